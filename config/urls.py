from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from registry import account_views
from registry.account_views import PasswordChange
from registry.forms import LoginForm

admin.site.site_header = _("政务服务窗口作风明察暗访")
admin.site.site_title = _("作风督查后台")
admin.site.index_title = _("后台管理")

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", PasswordChange.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    # The second factor (registry.two_factor): reached before any other page until it is passed.
    path("accounts/two-factor/", account_views.two_factor, name="two_factor"),
    path("accounts/two-factor/qr.svg", account_views.two_factor_qr, name="two_factor_qr"),
    path("accounts/two-factor/verify/", account_views.two_factor_verify, name="two_factor_verify"),
    path("accounts/two-factor/recovery-codes/", account_views.two_factor_codes, name="two_factor_codes"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("workbench.urls")),
    path("", include("core.urls")),
    path("", include("registry.urls")),
    path("", include("inspections.urls")),
    path("", include("rectification.urls")),
    path("", include("circulars.urls")),
    path("", include("access.urls")),
]
