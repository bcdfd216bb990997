from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "opentrm.agreements"
    label = "agreements"
    verbose_name = "Agreements"
