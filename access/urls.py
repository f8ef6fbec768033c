from django.urls import path

from access import views

urlpatterns = [
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/export/", views.audit_export, name="audit_export"),
]
