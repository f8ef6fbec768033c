"""How every view, service and admin screen asks the policy.

The actions and who may take them are one module, ``access.policy``, which
registers each as a django-rules permission. Everything else asks by the
action's name, never by comparing roles:

- a view declares the one action it performs with ``@action`` (which also
  loads its object, 404 outside the user's scope, and answers 403 when the
  policy says no); the access walk (tests/test_access_walk.py) reads the
  declaration;
- a service says ``require(actor, "item.approve_closure", item)``, so that
  no caller can skip the rule;
- a template says ``{% has_perm "item.approve_closure" user item as can %}``
  (``{% load rules %}``);
- admin screens derive from ``PolicyAdmin`` / ``PolicyInline``.

Asking by name is what lets the policy know every app while no app imports it.
"""

import inspect
from functools import wraps

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin


def require(user, action: str, obj=None):
    """Raise PermissionDenied unless the policy lets ``user`` take ``action`` (on ``obj``)."""
    if user is None or not user.has_perm(action, obj):
        raise PermissionDenied


def action(name: str, *, load=None, by: str | None = None):
    """Declare the policy action a view performs.

    ``load(user=…, pk=…)`` (a selector) finds the object the action is about within the user's
    scope (404 otherwise), from the URL argument ``by`` (the only one when
    there is one); the view is called with the object in that argument's
    place. Without ``load`` the action is about no object (a list, a form to
    start something).
    """

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapped(request, **kwargs):
            if load is None:
                require(request.user, name)
                return view(request, **kwargs)
            key = by or _only(kwargs, view)
            obj = load(user=request.user, pk=kwargs[key])
            require(request.user, name, obj)
            kwargs[key] = obj
            return view(request, **kwargs)

        wrapped.policy_action = name
        return wrapped

    return decorate


def _only(kwargs, view) -> str:
    if len(kwargs) != 1:
        raise TypeError(f"{view.__name__}: say which URL argument names the object (by=…)")
    return next(iter(kwargs))


def performed_action(view) -> str | None:
    """The action a URL's view declared (None for Django's own views)."""
    view = getattr(view, "view_class", view)
    return getattr(view, "policy_action", None) or getattr(inspect.unwrap(view), "policy_action", None)


# --- Admin ------------------------------------------------------------------------------

def model_permission(opts, verb: str) -> str:
    """The permission name the admin asks for: "<app>.<verb>_<model>" (the policy defines each)."""
    return f"{opts.app_label}.{verb}_{opts.model_name}"


class PolicyAdmin(admin.ModelAdmin):
    """Every admin permission, asked of the policy with the object in question."""

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(model_permission(self.opts, "view"), obj)

    def has_add_permission(self, request):
        return request.user.has_perm(model_permission(self.opts, "add"))

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm(model_permission(self.opts, "change"), obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm(model_permission(self.opts, "delete"), obj)

    def has_module_permission(self, request):
        return any(self.get_model_perms(request).values())


class ReadOnlyRecordAdmin(PolicyAdmin):
    """Records that change only through the services (findings, visits, evidence, ledger…).

    A plain ModelAdmin on purpose: django-simple-history's admin history views
    load old versions without the scoped queryset (the embargo would leak
    there). The change history is shown on each record's own page instead.
    """

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class HistoryAdmin(SimpleHistoryAdmin, PolicyAdmin):
    """Registry and reference data: who changed what and when, read only.

    django-simple-history's views are narrowed here: the object must be in
    the user's queryset (404 otherwise), and its "revert" form never saves —
    it would write back every field of the old version, including fields the
    user may not change.
    """

    def _in_scope(self, request, object_id):
        if not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._in_scope(request, object_id)
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True
