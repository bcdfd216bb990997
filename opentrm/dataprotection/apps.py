from django.apps import AppConfig


class DataProtectionConfig(AppConfig):
    name = "opentrm.dataprotection"
    label = "dataprotection"
    verbose_name = "OpenTRM data protection"
