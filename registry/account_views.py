"""The account pages beside Django's own: the holder's password change (which ends their other
sessions), the security administrator's lockouts (who is locked out, and unlocking), and the
second factor (the holder's enrolment and sign-in step, the system administrator's reset)."""

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.pagination import light_page
from core.permissions import action
from registry import identity
from registry import two_factor as two_factor_service
from registry.forms import OwnPasswordForm
from registry.scope import accounts_visible_to, lockouts_visible_to
from registry.selectors import account_for_user


class PasswordChange(auth_views.PasswordChangeView):
    form_class = OwnPasswordForm

    def form_valid(self, form):
        response = super().form_valid(form)  # keeps this session (update_session_auth_hash)
        identity.password_chosen(self.request, form.user)
        messages.success(self.request, _("密码已修改，您在其他设备上的登录已全部退出。"))
        return response


def current_lockouts():
    """Attempts that lock an account or an address now: at the limit, within the cool-off."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return AccessAttempt.objects.filter(
        Q(failures_since_start__gte=settings.AXES_FAILURE_LIMIT), attempt_time__gte=since,
    ).order_by("-attempt_time")


@action("lockout.list")
def lockout_list(request):
    return render(request, "registry/lockouts.html", {
        "lockouts": lockouts_visible_to(request.user, current_lockouts())[:200],
        "minutes": settings.LOGIN_LOCKOUT_MINUTES, "limit": settings.AXES_FAILURE_LIMIT,
        "may_lift_address": request.user.has_perm("lockout.lift_address"),
    })


@require_POST
@action("lockout.lift")
def lockout_lift(request):
    username = request.POST.get("username", "").strip()[:150]
    address = request.POST.get("address", "").strip()[:45]
    if not (username or address):
        messages.error(request, _("请指定要解除锁定的账号或地址。"))
        return redirect("lockout_list")
    removed = identity.lift_lockout(request.user, username=username, address=address)
    if removed:
        messages.success(request, _("已解除锁定。"))
    else:
        messages.info(request, _("没有找到这个账号或地址的锁定记录。"))
    return redirect("lockout_list")


# --- Two-factor sign-in (registry.two_factor) ----------------------------------------------------

def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@action("two_factor.own")
def two_factor(request):
    """The user's own second factor: enrolment (QR code and a first code), or its state and new
    recovery codes once enrolled."""
    user = request.user
    if two_factor_service.enrolled(user):
        if request.method == "POST":
            messages.info(request, _("您已绑定身份验证器。更换手机请联系系统管理员重置后重新绑定。"))
            return redirect("two_factor")
        return render(request, "registry/two_factor.html", {
            "enrolled": True, "codes_left": two_factor_service.recovery_codes_left(user),
            "required": two_factor_service.required(user),
        })
    error = ""
    if request.method == "POST":
        codes = two_factor_service.enrol(request, request.POST.get("code", ""))
        if codes is not None:
            return render(request, "registry/two_factor_codes.html", {"codes": codes, "next": _next(request)})
        error = _("验证码不正确：请核对手机时间，输入身份验证器当前显示的 6 位数字。")
    return render(request, "registry/two_factor.html", {
        "enrolled": False, "required": two_factor_service.required(user), "error": error,
        "secret": two_factor_service.secret_text(two_factor_service.pending_key(request)),
        "next": request.GET.get("next", ""),
    })


@action("two_factor.own")
def two_factor_qr(request):
    response = HttpResponse(two_factor_service.qr_svg(request), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"  # the picture is the secret
    return response


@action("two_factor.own")
def two_factor_verify(request):
    user = request.user
    if user.is_verified() or not two_factor_service.enrolled(user):
        return redirect(_next(request) if user.is_verified() else "two_factor")
    error = ""
    if request.method == "POST":
        if two_factor_service.verify(request, request.POST.get("code", "")):
            return redirect(_next(request))
        error = _("验证码不正确或已使用。请输入身份验证器当前显示的 6 位数字，或一个未用过的恢复码。")
    return render(request, "registry/two_factor_verify.html", {"error": error, "next": _next(request)})


@require_POST
@action("two_factor.own")
def two_factor_codes(request):
    if not two_factor_service.enrolled(request.user):
        messages.info(request, _("请先绑定身份验证器。"))
        return redirect("two_factor")
    codes = two_factor_service.renew_recovery_codes(request)
    return render(request, "registry/two_factor_codes.html", {"codes": codes, "next": reverse("two_factor")})


@action("two_factor.accounts")
def two_factor_accounts(request):
    """Every active account a page at a time, found by account or name (a province has thousands)."""
    wanted = request.GET.get("q", "").strip()[:50]
    accounts = accounts_visible_to(request.user).filter(is_active=True).order_by("username")
    if wanted:
        accounts = accounts.filter(Q(username__icontains=wanted) | Q(display_name__icontains=wanted))
    page = light_page(accounts, request.GET.get("page"), settings.PAGE_SIZE)
    enrolment = two_factor_service.enrolment_of(page.object_list)
    rows = [{"user": user, "enrolled": enrolment[user.pk], "required": two_factor_service.required(user),
             "may_reset": request.user.has_perm("two_factor.reset", user)} for user in page]
    return render(request, "registry/two_factor_accounts.html", {
        "rows": rows, "page": page, "wanted": wanted, "query": urlencode({"q": wanted}) if wanted else ""})


@require_POST
@action("two_factor.reset", load=account_for_user, by="account")
def two_factor_reset(request, account):
    if two_factor_service.reset(request.user, account):
        messages.success(request, _("已重置 %(user)s 的双因素认证：其登录已全部退出，下次登录时重新绑定。") % {"user": account})
    else:
        messages.info(request, _("%(user)s 尚未绑定身份验证器，无需重置。") % {"user": account})
    return redirect("two_factor_accounts")
