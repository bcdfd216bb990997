from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "opentrm.core"
    label = "core"
    verbose_name = "OpenTRM core"
