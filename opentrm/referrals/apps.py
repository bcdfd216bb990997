from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "opentrm.referrals"
    verbose_name = _("Referrals")

    def ready(self) -> None:
        # Referrals between nodes (docs/exchange.md, "Referrals between nodes"): the exchange's
        # handlers for referral packages, and the hook on a consent withdrawn on a case.
        from opentrm.cases.signals import consent_withdrawn
        from opentrm.referrals.services import exchange_link

        exchange_link.register_handlers()
        consent_withdrawn.connect(
            exchange_link.on_consent_withdrawn, dispatch_uid="referrals.exchange_consent"
        )
