from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "opentrm.training"
    label = "training"
    verbose_name = "Training register"

    def ready(self) -> None:
        # The directory shows a contact's training through its panel registry (it may not
        # import this app: docs/adr/0009-import-layers.md).
        from opentrm.directory.panels import ContactPanel, contact_panels
        from opentrm.training.selectors import contact_training_panel

        contact_panels.register(
            ContactPanel(
                name="training",
                template="training/_contact_training.html",
                context=contact_training_panel,
            )
        )
