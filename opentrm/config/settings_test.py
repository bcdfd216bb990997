"""Settings for the test suite: the same as production-shaped settings, faster hashing."""

import os
import tempfile

os.environ.setdefault("OPENTRM_HOME", tempfile.mkdtemp(prefix="opentrm-test-"))

from opentrm.config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only in tests
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WHITENOISE_AUTOREFRESH = True
