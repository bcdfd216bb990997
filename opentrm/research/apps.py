from django.apps import AppConfig


class ResearchConfig(AppConfig):
    name = "opentrm.research"
    label = "research"
    verbose_name = "Research datasets"
