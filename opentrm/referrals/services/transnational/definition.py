"""The definition a template instance uses, and which side sees and edits what."""

from opentrm.accounts.policy import Actor
from opentrm.cases.access import sharing_with
from opentrm.referrals.access import AFTER_ACCEPTANCE as AFTER_ACCEPTANCE
from opentrm.referrals.models import (
    Referral,
    ReferralStatus,
    TemplateInstance,
)
from opentrm.referrals.services.profiles import profile_of
from opentrm.referrals.template import loader
from opentrm.referrals.template.loader import EXPLOITATION, ORIGIN, Field, Template

S = ReferralStatus

# Where the receiving side may write §6-§7 and follow-up reports.
FOLLOW_UP_SECTIONS = ("s6_1", "s6_2", "s6_3", "s6_4", "s7_1", "s7_2")
RETURN_SECTION = "s5"


# --- the definition an instance uses ------------------------------------------------------------


def instance_definition(instance: TemplateInstance) -> Template:
    data = instance.data or {}
    return loader.definition(
        instance.template_version,
        added=data.get("fields", []),
        disabled=data.get("disabled", []),
    )


def side_of(actor: Actor, referral: Referral) -> str | None:
    if actor.organisation_id == referral.sender_organisation_id:
        return EXPLOITATION
    if actor.organisation_id == referral.receiver_organisation_id:
        return ORIGIN
    return None


def _is_imported(referral: Referral) -> bool:
    instance = TemplateInstance.objects.filter(referral=referral).only("data").first()
    return bool(instance and (instance.data or {}).get("imported"))


def receiver_groups(referral: Referral) -> frozenset[str]:
    """What the receiver sees of the sent snapshot today: nothing personal before accepting;
    after, the groups shared at sending narrowed by today's consent and agreements."""
    if referral.status not in AFTER_ACCEPTANCE and referral.status != S.CLOSED:
        return frozenset()
    if referral.case is None:
        # Imported from a country not on OpenTRM: the sender's own gate decided what the file
        # holds, and no case of this node can narrow it.
        return frozenset(referral.shared_groups) if _is_imported(referral) else frozenset()
    today = sharing_with(referral.case, referral.receiver_organisation).groups
    return frozenset(referral.shared_groups) & frozenset(g.value for g in today)


# --- follow-up reports ------------------------------------------------------------------------


def follow_up_fields(definition: Template) -> list[Field]:
    return [
        item
        for code in FOLLOW_UP_SECTIONS
        if (section := definition.section(code)) is not None
        for item in section.fields
        if item.owner == ORIGIN
    ]


def own_definition(actor: Actor) -> Template:
    from opentrm.referrals.services.profiles import definition_for

    return definition_for(profile_of(actor.country_id))
