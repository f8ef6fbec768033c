from django.urls import path

from circulars import views

urlpatterns = [
    path("circulars/", views.circular_list, name="circular_list"),
    path("circulars/new/", views.circular_create, name="circular_create"),
    path("circulars/<int:circular>/", views.circular_detail, name="circular_detail"),
    path("circulars/<int:circular>/edit/", views.circular_edit, name="circular_edit"),
    path("circulars/<int:circular>/publish/", views.circular_publish, name="circular_publish"),
    path("circulars/<int:circular>/export/", views.circular_export, name="circular_export"),
    path("circulars/<int:circular>/document/", views.circular_document, name="circular_document"),
    path("circulars/<int:circular>/arrange/", views.circular_arrange, name="circular_arrange"),
]
