from access.navigation import items_for
from registry.scope import scope_description


def navigation(request):
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {"nav_items": []}
    items = items_for(request)
    # On a phone the menu is folded: its button shows that something inside has a number.
    return {"nav_items": items, "nav_badge": sum(item["badge"] for item in items),
            "scope_description": scope_description(user)}
