from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "opentrm.matching"
    label = "matching"
    verbose_name = "Matching"

    def ready(self) -> None:
        from opentrm.cases.panels import CasePanel, case_panels
        from opentrm.matching import index
        from opentrm.matching.views import candidates_panel

        index.connect()
        case_panels.register(
            CasePanel(
                name="matching",
                template="matching/_candidates_panel.html",
                context=candidates_panel,
                order=5,
            )
        )
