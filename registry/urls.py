from django.urls import path

from registry import account_views, views

urlpatterns = [
    path("security/lockouts/", account_views.lockout_list, name="lockout_list"),
    path("security/lockouts/lift/", account_views.lockout_lift, name="lockout_lift"),
    path("security/two-factor/", account_views.two_factor_accounts, name="two_factor_accounts"),
    path("security/two-factor/<int:account>/reset/", account_views.two_factor_reset, name="two_factor_reset"),
    path("halls/", views.hall_list, name="hall_list"),
    path("halls/new/", views.hall_create, name="hall_create"),
    path("halls/<int:hall>/", views.hall_detail, name="hall_detail"),
    path("halls/<int:hall>/edit/", views.hall_edit, name="hall_edit"),
    path("halls/<int:hall>/departments/new/", views.department_create, name="department_create"),
    path("halls/<int:hall>/departments/<int:department>/", views.department_edit, name="department_edit"),
    path("halls/<int:hall>/windows/new/", views.window_create, name="window_create"),
    path("halls/<int:hall>/windows/<int:window>/", views.window_edit, name="window_edit"),
    path("halls/<int:hall>/staff/new/", views.staff_create, name="staff_create"),
    path("halls/<int:hall>/staff/<int:staff>/", views.staff_edit, name="staff_edit"),
    path("halls/<int:hall>/staff/import/", views.roster_import, name="roster_import"),
    path("halls/<int:hall>/staff/import/<int:batch>/", views.roster_import_preview, name="roster_import_preview"),
]
