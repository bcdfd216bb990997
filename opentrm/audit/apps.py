from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "opentrm.audit"
    label = "audit"
    verbose_name = "Audit trail"
