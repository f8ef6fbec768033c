from django.core.exceptions import PermissionDenied

from audit.log import forget_request, record, remember_request
from audit.models import Event, Result


class RequestContext:
    """Remembers the request for ``audit.log.record`` and logs every refusal (403) the policy
    raises, with the path and method: refusals are what an assessor reads first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = remember_request(request)
        try:
            return self.get_response(request)
        finally:
            forget_request(token)

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            record(Event.REFUSED, request=request, result=Result.REFUSED,
                   path=request.path, method=request.method)
        return None
