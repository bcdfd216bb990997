from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "opentrm.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from opentrm.notifications import receivers

        receivers.connect()
