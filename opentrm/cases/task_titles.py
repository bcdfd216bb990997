"""Titles of the tasks the system makes (issue 12 §5): stored as a key and parameters, rendered
in the reader's language with the reader's date format. The stored ``Task.title`` keeps the
node-language text, shown for tasks written by hand and for any key this code no longer knows.

Parameters are plain JSON: codes and ISO dates, never a translated or formatted text.
"""

from collections.abc import Callable, Mapping
from datetime import date

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _

from opentrm.cases.models import ConsentPurpose
from opentrm.catalogue.loader import measure as catalogue_measure
from opentrm.core.keyed_text import render_keyed
from opentrm.directory.reference import country_name

Params = Mapping[str, str]


def measure_name(code: str) -> str:
    try:
        return catalogue_measure(code).name
    except KeyError:  # a measure a country added: its code is all we know here
        return code


def _date(value: str) -> str:
    return formats.date_format(date.fromisoformat(value), "SHORT_DATE_FORMAT")


def _purpose(value: str) -> str:
    try:
        return str(ConsentPurpose(value).label)
    except ValueError:
        return value


def _contact_purpose(value: str) -> str:
    from opentrm.cases.services.child import ContactPurpose  # it imports the tasks' service

    try:
        return str(ContactPurpose(value).label)
    except ValueError:
        return value


MEASURE_DUE = "measure_due"
REFLECTION_ENDS = "reflection_ends"
CONSENT_EXPIRES = "consent_expires"
RISK_PLAN_REVIEW = "risk_plan_review"
ASSISTANCE_PLAN_REVIEW = "assistance_plan_review"
COUNTRY_CONTACT = "country_contact"
FOLLOW_UP_VISIT = "follow_up_visit"
NOMINATE_MANAGER = "nominate_manager"

TITLES: dict[str, Callable[[Params], str]] = {
    MEASURE_DUE: lambda p: _("Measure due: %(measure)s") % {"measure": measure_name(p["measure"])},
    REFLECTION_ENDS: lambda p: (
        _("The reflection period ends on %(date)s: plan what follows") % {"date": _date(p["date"])}
    ),
    CONSENT_EXPIRES: lambda p: (
        _("A consent (%(purpose)s) expires on %(date)s: ask the person again")
        % {"purpose": _purpose(p["purpose"]), "date": _date(p["date"])}
    ),
    RISK_PLAN_REVIEW: lambda p: _("Review the risk management plan with the person"),
    ASSISTANCE_PLAN_REVIEW: lambda p: _("Review the individual assistance plan with the person"),
    FOLLOW_UP_VISIT: lambda p: _("Follow-up visit after return: check for risks of re-trafficking"),
    NOMINATE_MANAGER: lambda p: _("Nominate the case manager"),
    COUNTRY_CONTACT: lambda p: (
        _("Contact the authorities of %(country)s: %(purpose)s")
        % {"country": country_name(p["country"]), "purpose": _contact_purpose(p["purpose"])}
    ),
}


def node_title(key: str, params: Params) -> str:
    """The title in the node's language: what ``Task.title`` stores beside the key."""
    with translation.override(settings.LANGUAGE_CODE):
        return render_title(key, params) or key


def render_title(key: str, params: Params) -> str | None:
    """The title in the active language, or None for an unknown key or bad parameters."""
    return render_keyed(TITLES, key, params)
