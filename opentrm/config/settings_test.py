"""Settings for the test suite: the same as production-shaped settings, faster hashing."""

import os
import tempfile

os.environ.setdefault("OPENTRM_HOME", tempfile.mkdtemp(prefix="opentrm-test-"))

from opentrm.accounts.roles import Role
from opentrm.config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only in tests
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WHITENOISE_AUTOREFRESH = True
# The suite calls the API in every role; the tests of the role limit itself set the production
# default explicitly (accounts/tests/test_api_token_roles.py, the authorization matrix).
API_TOKEN_ROLES = [role.value for role in Role]
# The suite logs in with the form or force_login; the tests of the second factor turn it on
# (accounts/tests/test_mfa.py), as production does by default.
OPENTRM_MFA_REQUIRED = False
# The fuzzers and the hostile-inbox tests send thousands of bad tokens and packages from one
# address; the tests of these delays set small limits (exchange/tests/test_door_throttle.py).
OPENTRM_API_TOKEN_FAILURE_LIMIT = 10**9
OPENTRM_EXCHANGE_FAILURE_LIMIT = 10**9

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    # Tests that commit (live_server) are cleaned up with TRUNCATE, which the audit tables
    # refuse in production (audit migration 0004).
    DATABASES["default"]["OPTIONS"]["options"] = "-c opentrm.allow_audit_truncate=on"  # noqa: F405

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, as in production, never the in-memory default. With an in-memory database,
    # pytest-django's live server hands the test thread's one connection to every request
    # thread: two requests of one page (a link followed while htmx loads a section) then run
    # their transactions on the same connection, and a session save fails. Django reports that
    # as SessionInterrupted, a 400 "Bad request" page no user of a real node can get. With a
    # file, each request has its own connection, WAL and the busy timeout, as in production.
    # pytest-django appends the xdist worker's name (test_..._gw0) to the file's name.
    _test_database = os.path.join(os.environ["OPENTRM_HOME"], "test.sqlite3")
    DATABASES["default"]["TEST"] = {"NAME": _test_database}  # noqa: F405
