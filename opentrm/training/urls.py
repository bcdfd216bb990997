from django.urls import path

from opentrm.training import views

app_name = "training"

urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("trained/", views.trained, name="trained"),
    path("new/", views.event_create, name="event_create"),
    path("<int:event_id>/", views.event_detail, name="event_detail"),
    path("<int:event_id>/edit/", views.event_edit, name="event_edit"),
    path("<int:event_id>/attendance/", views.attendance_add, name="attendance_add"),
    path("<int:event_id>/attendance/remove/", views.attendance_remove, name="attendance_remove"),
]
