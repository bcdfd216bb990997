from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "opentrm.cases"
    label = "cases"
    verbose_name = "Cases"
