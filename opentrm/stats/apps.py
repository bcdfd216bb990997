from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "opentrm.stats"
    label = "stats"
    verbose_name = "Statistics"
