"""The survivor notice (GDPR art. 13-14, in plain words): a leaflet that says what is stored
about a person in the referral mechanism, who may see each part, for how long, and their rights.

Who may see what is read from the one policy (``ROLE_FIELD_GROUPS``), so the leaflet cannot
promise less than the node does. It holds no personal data: any member may print it.
"""

from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from opentrm.accounts.policy import ROLE_FIELD_GROUPS, Access, FieldGroup
from opentrm.core import pdf
from opentrm.dataprotection.retention import retention_years

PLAIN_WORDS: dict[FieldGroup, Promise] = {
    FieldGroup.IDENTITY: _("Who you are: your names, sex, date and place of birth, citizenship."),
    FieldGroup.CONTACT: _("How to reach you: your address and telephone."),
    FieldGroup.HEALTH: _("Your health: what doctors found and the care you receive."),
    FieldGroup.PROCEEDINGS: _(
        "Police and court matters: complaints, hearings and your part in them as a witness."
    ),
    FieldGroup.CHILD_PROTECTION: _(
        "If you are a child: your guardian and the decisions taken to protect you."
    ),
    FieldGroup.TRAVEL: _("Your journey: the countries you passed through and your documents."),
    FieldGroup.ASSISTANCE: _("The help you get: needs assessed, plans, shelter and services."),
}


def readers(group: FieldGroup) -> list[str]:
    """The roles that may read ``group`` of a case, as the one policy says."""
    return [
        str(role.label)
        for role, groups in ROLE_FIELD_GROUPS.items()
        if groups.get(group, Access.NONE) >= Access.VIEW
    ]


def notice_context() -> dict[str, Any]:
    parts = [{"what": PLAIN_WORDS[group], "readers": readers(group)} for group in FieldGroup]
    return {
        "parts": parts,
        "retention_years": retention_years(),
        "node_name": settings.OPENTRM_NODE_NAME,
        "generated_at": timezone.localtime(),
    }


def survivor_notice_pdf(*, language: str) -> bytes:
    with translation.override(language):
        return pdf.render("dataprotection/survivor_notice_pdf.html", notice_context())
