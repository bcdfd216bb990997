"""Settings for the test suite: the same as production-shaped settings, faster hashing."""

import os
import tempfile

os.environ.setdefault("OPENTRM_HOME", tempfile.mkdtemp(prefix="opentrm-test-"))

from opentrm.config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only in tests
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WHITENOISE_AUTOREFRESH = True

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    # Tests that commit (live_server) are cleaned up with TRUNCATE, which the audit tables
    # refuse in production (audit migration 0004).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (  # noqa: F405
        "-c opentrm.allow_audit_truncate=on"
    )
