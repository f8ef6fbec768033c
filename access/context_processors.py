from access.navigation import items_for
from registry.scope import scope_description


def navigation(request):
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {"nav_items": []}
    return {"nav_items": items_for(request), "scope_description": scope_description(user)}
