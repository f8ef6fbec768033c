from django.urls import path

from core import views

urlpatterns = [
    path("exports/<int:job>/", views.export_job, name="export_job"),
    path("exports/<int:job>/download/", views.export_download, name="export_download"),
]
