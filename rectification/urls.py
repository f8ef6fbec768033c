from django.urls import path

from rectification import imports_views, views

urlpatterns = [
    path("ledger/", views.ledger, name="ledger"),
    path("ledger/overdue/", views.overdue, name="overdue"),
    path("ledger/export/", views.ledger_export, name="ledger_export"),
    path("ledger/import/", imports_views.ledger_import, name="ledger_import"),
    path("ledger/import/<int:batch>/", imports_views.ledger_import_preview, name="ledger_import_preview"),
    path("accountability/export/", views.accountability_export, name="accountability_export"),
    path("statistics/export/", views.statistics_export, name="statistics_export"),
    path("ledger/close/", views.closures_approve, name="closures_approve"),
    path("ledger/<int:item>/", views.item_detail, name="item_detail"),
    path("ledger/<int:item>/edit/", views.item_edit, name="item_edit"),
    path("ledger/<int:item>/progress/", views.progress_add, name="progress_add"),
    path("ledger/<int:item>/closure/", views.closure_request, name="closure_request"),
    path("ledger/<int:item>/closure/approve/", views.closure_approve, name="closure_approve"),
    path("ledger/<int:item>/closure/return/", views.closure_return, name="closure_return"),
    path("ledger/<int:item>/extension/", views.extension_request, name="extension_request"),
    path("extensions/<int:extension>/decide/", views.extension_decide, name="extension_decide"),
    path("findings/<int:finding>/rectify/", views.item_create, name="item_create"),
    path("findings/<int:finding>/confirm/rectify/", views.finding_confirm_rectify, name="finding_confirm_rectify"),
    path("review/confirm/", views.review_confirm, name="review_confirm"),
    path("revisits/", views.revisit_list, name="revisit_list"),
    path("revisits/new/", views.revisit_create, name="revisit_create"),
    path("accountability/", views.accountability_list, name="accountability_list"),
    path("halls/<int:hall>/accountability/new/", views.accountability_create, name="accountability_create"),
    path("staff/<int:staff>/", views.staff_profile, name="staff_profile"),
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
]
