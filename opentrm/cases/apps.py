from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "opentrm.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        # The interpreters on a case show as a panel of the case page (issue 14).
        from opentrm.cases.panels import CasePanel, case_panels
        from opentrm.cases.views_interpreters import interpreters_panel

        case_panels.register(
            CasePanel(
                name="interpreters",
                template="cases/_interpreters_panel.html",
                context=interpreters_panel,
                order=10,
            )
        )
