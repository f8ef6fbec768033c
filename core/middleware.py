from django.conf import settings
from django.db import OperationalError
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Chinese unless the user chose English with the language switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language; an
    office PC with an English browser must still get the Chinese screens, so
    only the language cookie set by the switch counts.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        translation.activate(chosen if chosen in supported else settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()


class BusyDatabase:
    """SQLite, the embedded default, takes one writer at a time: a write that waited its whole
    timeout (two offices publishing at once on a busy server) gets a page asking to try again,
    not a 500. The request's transaction was rolled back, so nothing is half-written. PostgreSQL
    never says this."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not (isinstance(exception, OperationalError) and "database is locked" in str(exception)):
            return None
        response = render(request, "busy.html", status=503)
        response["Retry-After"] = "5"
        return response
