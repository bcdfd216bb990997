from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "opentrm.meetings"
    label = "meetings"
    verbose_name = "Meetings and roundtables"
