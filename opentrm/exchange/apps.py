from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "opentrm.exchange"
    verbose_name = _("Node exchange")

    def ready(self) -> None:
        # Audit checkpoints are signed with the node's signing key (docs/audit.md).
        from opentrm.audit.checkpoints import register_node_keys
        from opentrm.exchange.checkpoint_keys import NodeCheckpointKeys

        register_node_keys(NodeCheckpointKeys())
        # The exchange's own packages: key announcements and processing outcomes.
        from opentrm.exchange import continuity, handlers, outcomes
        from opentrm.exchange.models import MessageType

        handlers.register(MessageType.KEY_ANNOUNCEMENT)(continuity.receive_announcement)
        handlers.register(MessageType.OUTCOME)(outcomes.receive_outcome)

        # Directory federation: changes are noted in the directory write's transaction, and
        # importing the module registers the handler of ``directory`` packages.
        from opentrm.directory.signals import organisations_changed
        from opentrm.exchange.services import directory_sync

        organisations_changed.connect(
            directory_sync.on_changed, dispatch_uid="exchange.directory_changes"
        )
