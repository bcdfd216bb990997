from django.apps import AppConfig


class DataProtectionConfig(AppConfig):
    name = "opentrm.dataprotection"
    label = "dataprotection"
    verbose_name = "OpenTRM data protection"

    def ready(self) -> None:
        # Registers the object rules with the one policy, the case page's panel and the hold of
        # a restricted person's packages (cases and exchange may not import this app:
        # docs/adr/0009-import-layers.md).
        from opentrm.cases.panels import CasePanel, case_panels
        from opentrm.dataprotection import access  # noqa: F401
        from opentrm.dataprotection.panels import rights_panel
        from opentrm.dataprotection.restriction import restricted_referrals
        from opentrm.exchange.holds import register_hold

        case_panels.register(
            CasePanel(
                name="data_subject_rights",
                template="dataprotection/_case_panel.html",
                context=rights_panel,
                order=90,
            )
        )
        register_hold(restricted_referrals)
