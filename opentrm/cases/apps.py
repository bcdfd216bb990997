from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "opentrm.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        # Panels of the case page (issue 14), so the page's template stays as it is.
        from opentrm.cases.casedata_panel import case_data_panel
        from opentrm.cases.panels import CasePanel, case_panels
        from opentrm.cases.views_aftercare import visits_panel

        case_panels.register(
            CasePanel(
                name="case_data",
                template="cases/_casedata_panel.html",
                context=case_data_panel,
                order=10,
            )
        )
        case_panels.register(
            CasePanel(
                name="visits",
                template="cases/_visits_panel.html",
                context=visits_panel,
                order=50,
            )
        )
