from django.apps import AppConfig


class DataProtectionConfig(AppConfig):
    name = "opentrm.dataprotection"
    label = "dataprotection"
    verbose_name = "OpenTRM data protection"

    def ready(self) -> None:
        # Registers the object rules with the one policy.
        from opentrm.dataprotection import access  # noqa: F401
