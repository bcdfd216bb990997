import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opentrm.config.settings")
application = get_wsgi_application()

from opentrm.core.warmup import bound_database_waits, warm_and_freeze  # noqa: E402 - apps loaded

bound_database_waits()
warm_and_freeze()
