"""The record of processing activities (GDPR art. 30(1); LED art. 24), as data.

The categories of data, who may read each, and how long each is kept are read from the one
policy and the node's settings, so the record states what the node does, not what someone
remembered to write. The purposes and legal bases are the referral mechanism's.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from opentrm.accounts.policy import FieldGroup
from opentrm.dataprotection.notice import PLAIN_WORDS, readers
from opentrm.dataprotection.retention import retention_years

SPECIAL = frozenset({FieldGroup.HEALTH, FieldGroup.PROCEEDINGS, FieldGroup.CHILD_PROTECTION})


@dataclass(frozen=True)
class Activity:
    name: Promise
    purpose: Promise
    legal_basis: Promise
    subjects: Promise
    recipients: Promise
    transfers: Promise


ACTIVITIES = (
    Activity(
        name=_("Identification, assistance and protection of presumed victims"),
        purpose=_(
            "Identify presumed victims of trafficking, refer them to assistance and protection, "
            "and follow their case until they are safe and included."
        ),
        legal_basis=_(
            "Art. 6(1)(c) and (e): legal obligation and public task under the national "
            "anti-trafficking law; art. 9(2)(g) and (h) for health and other special "
            "categories; consent (art. 6(1)(a)) where the law requires it, recorded per case."
        ),
        subjects=_("Presumed and identified victims of trafficking, persons at risk, children."),
        recipients=_(
            "Member organisations taking part in the case, within the field groups their "
            "roles may read; organisations a case is referred to."
        ),
        transfers=_(
            "To partner countries' nodes only under a signed agreement and the person's "
            "consent, encrypted end to end (docs/exchange.md)."
        ),
    ),
    Activity(
        name=_("Criminal proceedings support"),
        purpose=_("Support the person as a witness and keep the proceedings' references."),
        legal_basis=_(
            "Law Enforcement Directive (EU) 2016/680 for police and prosecutors; art. 6(1)(e) "
            "and 9(2)(f) for the other members."
        ),
        subjects=_("Victims who are witnesses."),
        recipients=_("Police investigators and prosecutors of the case's organisations."),
        transfers=_("None outside the agreement-based exchange."),
    ),
    Activity(
        name=_("Statistics and reporting"),
        purpose=_("Aggregate figures for the national action plan and international reporting."),
        legal_basis=_("Art. 6(1)(e) and 89: statistics with disclosure control."),
        subjects=_("All persons with a case, counted only."),
        recipients=_("Statisticians and evaluators: figures only, never a case."),
        transfers=_("Aggregate figures only."),
    ),
)


def processing_record() -> dict[str, Any]:
    years = retention_years()
    categories = [
        {
            "group": group,
            "what": PLAIN_WORDS[group],
            "special": group in SPECIAL,
            "readers": readers(group),
            "years": years[group.value],
        }
        for group in FieldGroup
    ]
    return {
        "controller": settings.OPENTRM_NODE_NAME,
        "activities": ACTIVITIES,
        "categories": categories,
        "default_years": years["default"],
    }
