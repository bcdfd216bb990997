from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class AccountsConfig(AppConfig):
    name = "opentrm.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from opentrm.accounts import receivers  # noqa: F401  (login audit hooks)

        # Every app's access.py registers its object rules with accounts.policy.rule.
        autodiscover_modules("access")
