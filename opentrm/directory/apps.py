from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "opentrm.directory"
    label = "directory"
    verbose_name = "TRM directory"
