"""Which circulars a user sees: drafts the issuing office and the offices above it; published
ones everyone whose area they cover. Built on registry.scope."""

from django.db.models import Q, QuerySet

from circulars.models import Circular
from registry.models import Reach, Role, role_spec
from registry.scope import NOTHING, ancestor_paths, sees_business_records


def circular_q(user) -> Q:
    if not sees_business_records(user):
        return NOTHING
    published = Q(status=Circular.Status.PUBLISHED)
    if role_spec(user).reach == Reach.REGION:
        if user.region_id is None:
            return NOTHING
        path = user.region.path
        drafts_of_mine = (
            Q(status=Circular.Status.DRAFT, region__path__startswith=path) if user.role == Role.OFFICE else NOTHING
        )
        covers = Q(region__path__startswith=path) | Q(region__path__in=ancestor_paths(path))
        return drafts_of_mine | (published & covers)
    if role_spec(user).reach == Reach.HALLS:
        paths = {hall.region.path for hall in user.halls.select_related("region")}
        return published & Q(region__path__in={a for p in paths for a in ancestor_paths(p)})
    return NOTHING


def circulars_visible_to(user) -> QuerySet[Circular]:
    return Circular.objects.filter(circular_q(user))
