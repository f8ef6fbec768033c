from django.urls import path

from inspections import views

urlpatterns = [
    path("", views.home, name="home"),
    path("halls/", views.hall_list, name="hall_list"),
    path("halls/<int:pk>/", views.hall_detail, name="hall_detail"),
    path("halls/<int:hall_pk>/windows/new/", views.window_create, name="window_create"),
    path("halls/<int:hall_pk>/windows/<int:pk>/", views.window_edit, name="window_edit"),
    path("halls/<int:hall_pk>/staff/new/", views.staff_create, name="staff_create"),
    path("halls/<int:hall_pk>/staff/<int:pk>/", views.staff_edit, name="staff_edit"),
]
