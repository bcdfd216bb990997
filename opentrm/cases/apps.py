from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "opentrm.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        # The case's own data (issue 14): a panel of the case page, so the page's template
        # stays as it is.
        from opentrm.cases.casedata_panel import case_data_panel
        from opentrm.cases.panels import CasePanel, case_panels

        case_panels.register(
            CasePanel(
                name="case_data",
                template="cases/_casedata_panel.html",
                context=case_data_panel,
                order=10,
            )
        )
