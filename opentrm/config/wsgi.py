import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opentrm.config.settings")
application = get_wsgi_application()

from opentrm.core.warmup import warm_and_freeze  # noqa: E402 - needs the apps loaded above

warm_and_freeze()
