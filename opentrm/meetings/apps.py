from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "opentrm.meetings"
    label = "meetings"
    verbose_name = "Meetings and roundtables"

    def ready(self) -> None:
        # A meeting on a case shows on the case's page through its panel registry (cases may
        # not import this app: docs/adr/0009-import-layers.md).
        from opentrm.cases.panels import CasePanel, case_panels
        from opentrm.meetings.selectors import case_meetings_panel

        case_panels.register(
            CasePanel(
                name="meetings",
                template="meetings/_case_meetings.html",
                context=case_meetings_panel,
            )
        )
