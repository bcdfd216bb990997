"""The stable catalogue of audit event types. Codes are stored; never rename or reuse one."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    # accounts
    USER_LOGGED_IN = "USER_LOGGED_IN", _("User logged in")
    USER_LOGGED_OUT = "USER_LOGGED_OUT", _("User logged out")
    USER_LOGIN_FAILED = "USER_LOGIN_FAILED", _("Login failed")
    USER_LOCKED_OUT = "USER_LOCKED_OUT", _("User locked out")
    USER_PASSWORD_CHANGED = "USER_PASSWORD_CHANGED", _("Password changed")
    USER_CREATED = "USER_CREATED", _("User created")
    USER_DEACTIVATED = "USER_DEACTIVATED", _("User deactivated")
    MEMBERSHIP_CREATED = "MEMBERSHIP_CREATED", _("Membership created")
    MEMBERSHIP_CHANGED = "MEMBERSHIP_CHANGED", _("Membership changed")
    MEMBERSHIP_ENDED = "MEMBERSHIP_ENDED", _("Membership ended")
    ORGANISATION_SWITCHED = "ORGANISATION_SWITCHED", _("Acting organisation switched")
    API_TOKEN_CREATED = "API_TOKEN_CREATED", _("API token created")
    API_TOKEN_REVOKED = "API_TOKEN_REVOKED", _("API token revoked")
    ACCESS_DENIED = "ACCESS_DENIED", _("Access denied")
    # directory
    COUNTRY_CREATED = "COUNTRY_CREATED", _("Country created")
    COUNTRY_CHANGED = "COUNTRY_CHANGED", _("Country changed")
    ORGANISATION_CREATED = "ORGANISATION_CREATED", _("Organisation created")
    ORGANISATION_CHANGED = "ORGANISATION_CHANGED", _("Organisation changed")
    ORGANISATION_VERIFIED = "ORGANISATION_VERIFIED", _("Organisation verified")
    CONTACT_POINT_CREATED = "CONTACT_POINT_CREATED", _("Contact point created")
    CONTACT_POINT_CHANGED = "CONTACT_POINT_CHANGED", _("Contact point changed")
    CONTACT_POINT_VERIFIED = "CONTACT_POINT_VERIFIED", _("Contact point verified")
    CONTACT_POINT_DEACTIVATED = "CONTACT_POINT_DEACTIVATED", _("Contact point deactivated")
    RESPONSIBILITY_CREATED = "RESPONSIBILITY_CREATED", _("Responsibility assigned")
    RESPONSIBILITY_REMOVED = "RESPONSIBILITY_REMOVED", _("Responsibility removed")
    CONTACTS_IMPORTED = "CONTACTS_IMPORTED", _("Contacts imported")
    CONTACTS_EXPORTED = "CONTACTS_EXPORTED", _("Contacts exported")
    # cases
    CASE_REGISTERED = "CASE_REGISTERED", _("Case registered")
    CASE_VIEWED = "CASE_VIEWED", _("Case file opened")
    CASE_LISTED = "CASE_LISTED", _("Case list viewed")
    CASE_CHANGED = "CASE_CHANGED", _("Case changed")
    CASE_DELETED = "CASE_DELETED", _("Case deleted")
    PERSON_CHANGED = "PERSON_CHANGED", _("Person changed")
    CONSENT_RECORDED = "CONSENT_RECORDED", _("Consent recorded")
    CONSENT_WITHDRAWN = "CONSENT_WITHDRAWN", _("Consent withdrawn")
    # cases: child safeguards and tasks (issue 3 §10-11)
    CHILD_SAFEGUARDS_CHANGED = "CHILD_SAFEGUARDS_CHANGED", _("Child safeguards changed")
    ORIGIN_CONTACT_BLOCKED = "ORIGIN_CONTACT_BLOCKED", _("Contact with origin country refused")
    COUNTRY_CONTACT_PLANNED = "COUNTRY_CONTACT_PLANNED", _("Contact with a country planned")
    TASK_CREATED = "TASK_CREATED", _("Task created")
    TASK_COMPLETED = "TASK_COMPLETED", _("Task completed")
    TASK_REOPENED = "TASK_REOPENED", _("Task reopened")
    TASKS_GENERATED = "TASKS_GENERATED", _("Deadline tasks updated")
    TASKS_LISTED = "TASKS_LISTED", _("Task list viewed")
    TASK_REMINDERS_SENT = "TASK_REMINDERS_SENT", _("Task reminders sent")
    # cases: measures, identification, reflection period, country settings
    MEASURE_PLANNED = "MEASURE_PLANNED", _("Measure planned")
    MEASURE_CHANGED = "MEASURE_CHANGED", _("Measure changed")
    GUARD_BLOCKED = "GUARD_BLOCKED", _("Action blocked by a safeguard")
    IDENTIFICATION_RECORDED = "IDENTIFICATION_RECORDED", _("Identification decision recorded")
    REFLECTION_PERIOD_STARTED = "REFLECTION_PERIOD_STARTED", _("Reflection period started")
    CASE_SETTINGS_CHANGED = "CASE_SETTINGS_CHANGED", _("Country case settings changed")
    # audit
    AUDIT_VIEWED = "AUDIT_VIEWED", _("Audit trail viewed")
