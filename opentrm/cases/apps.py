from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "opentrm.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from opentrm.cases.panels import CasePanel, case_panels
        from opentrm.cases.views_aftercare import visits_panel

        case_panels.register(
            CasePanel(
                name="visits",
                template="cases/_visits_panel.html",
                context=visits_panel,
                order=50,
            )
        )
