from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "opentrm.monitoring"
    label = "monitoring"
    verbose_name = "Monitoring the mechanism"
