from django.urls import path

from opentrm.notifications import views

app_name = "notifications"

urlpatterns = [
    path("home/", views.home, name="home"),
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/email/", views.preference_edit, name="preference_edit"),
    path(
        "notifications/<int:notification_id>/",
        views.notification_open,
        name="notification_open",
    ),
]
