from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LinkageConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "opentrm.linkage"
    label = "linkage"
    verbose_name = _("Record linkage")

    def ready(self) -> None:
        # The linked records show on the case page through its panel registry (cases may not
        # import this app: docs/adr/0009-import-layers.md); the check between nodes is two
        # package types of the exchange.
        from opentrm.cases.panels import CasePanel, case_panels
        from opentrm.exchange import handlers
        from opentrm.exchange.models import MessageType
        from opentrm.linkage.selectors import case_panel
        from opentrm.linkage.services import holder
        from opentrm.linkage.services.links import not_same_persons
        from opentrm.matching.services import register_exclusion

        case_panels.register(
            CasePanel(
                name="linked_records",
                template="linkage/_case_panel.html",
                context=case_panel,
                order=15,
            )
        )
        # Two records a reviewer marked "not the same" are never proposed again.
        register_exclusion(not_same_persons)
        handlers.register(MessageType.HOLDER_QUERY)(holder.receive_holder_query)
        handlers.register(MessageType.HOLDER_ANSWER)(holder.receive_holder_answer)
