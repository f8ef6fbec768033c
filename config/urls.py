from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

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
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
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
