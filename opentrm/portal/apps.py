from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "opentrm.portal"
    label = "portal"
    verbose_name = "Portal"
