from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "opentrm.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from opentrm.accounts import receivers  # noqa: F401  (login audit hooks)
