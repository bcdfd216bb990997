"""The transnational referral with the Annex I reporting template (issue 4 §3).

A caseworker of the organisation that owns a case (country of exploitation) creates the
referral: it goes to the other country's national focal point (a child's case to the single
child authority), and its template is pre-filled from the case and the directory. Each field is
owned by one side: the sender fills §1-§5 before sending, the receiving side (country of
origin) §6-§7 after the return, and follow-up reports.

``TemplateInstance.data`` holds:

- ``values``: the sender's working copy (field code -> value), seen by the sender only;
- ``fields`` / ``disabled``: the sender's profile at creation (added field definitions, codes
  switched off), so any receiver can render the instance;
- ``sent``: the snapshot taken at sending: ``values`` of the field groups the gate allowed,
  ``withheld`` codes (never their values), ``groups``, ``at``;
- ``origin``: values the receiving side wrote (§6-§7, its header block, its §8 column).

Free text is ``{"text": ..., "lang": ...}``: the language it was written in.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Access, Action, Actor, FieldGroup, can, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases import states
from opentrm.cases.access import group_access, require_widening, sharing_with
from opentrm.cases.models import (
    Assessment,
    AssessmentKind,
    Case,
    CaseParticipant,
    ConsentDecision,
    ConsentPurpose,
    CountryRole,
    HealthRecord,
    IdentificationDecision,
    IdentificationOutcome,
    Proceeding,
    ReflectionPeriod,
)
from opentrm.cases.selectors import consent_in_force, latest_decision
from opentrm.cases.services.child import (
    OriginContactBlockedError,
    contact_country_of_origin_check,
)
from opentrm.core.concurrency import save_if_unchanged
from opentrm.directory import reference
from opentrm.directory.models import ChannelKind, ContactPoint, Function, Organisation
from opentrm.referrals.models import (
    FollowUpReport,
    Referral,
    ReferralKind,
    ReferralStatus,
    TemplateInstance,
    Urgency,
)
from opentrm.referrals.services import core, exchange_link, routing
from opentrm.referrals.services.profiles import profile_of
from opentrm.referrals.template import loader
from opentrm.referrals.template.loader import EXPLOITATION, ORIGIN, Field, Template

S = ReferralStatus

# The language a country's documents are in by default (the node's languages: en, sq, ro, sr).
COUNTRY_LANGUAGE = {"AL": "sq", "XK": "sq", "RO": "ro", "MD": "ro", "RS": "sr", "ME": "sr"}
TEXT_MAX = 4000
CONTACT_MAX = 300
# Where the receiving side may write §6-§7 and follow-up reports.
AFTER_ACCEPTANCE = frozenset({S.ACCEPTED, S.RETURN_ARRANGED, S.ARRIVAL_CONFIRMED})
FOLLOW_UP_SECTIONS = ("s6_1", "s6_2", "s6_3", "s6_4", "s7_1", "s7_2")
RETURN_SECTION = "s5"


def node_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def country_language(country_code: str) -> str:
    language = COUNTRY_LANGUAGE.get(country_code.upper(), "en")
    return language if language in node_languages() else settings.LANGUAGE_CODE


def current_language() -> str:
    language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return language if language in node_languages() else settings.LANGUAGE_CODE


# --- values -----------------------------------------------------------------------------------


def _free_text(raw: Any, lang: str) -> dict[str, str] | None:
    if isinstance(raw, Mapping):
        text = str(raw.get("text", "") or "")
        lang = str(raw.get("lang", "") or lang)
    elif raw is None:
        return None
    else:
        text = str(raw)
    text = text.strip()
    if not text:
        return None
    if len(text) > TEXT_MAX:
        raise ValueError(_("At most %(max)s characters.") % {"max": TEXT_MAX})
    if lang not in node_languages() and not reference.is_language_code(lang):
        raise ValueError(_("Unknown language of the text."))
    return {"text": text, "lang": lang}


def _bool(raw: Any) -> bool | None:
    if raw in (None, "", "unknown"):
        return None
    if isinstance(raw, bool):
        return raw
    if raw in ("yes", "true", "1", 1):
        return True
    if raw in ("no", "false", "0", 0):
        return False
    raise ValueError(_("Answer yes or no."))


def _codes(raw: Any) -> list[str]:
    if raw in (None, ""):
        return []
    if isinstance(raw, str):
        return [part.strip() for part in raw.replace(";", ",").split(",") if part.strip()]
    if isinstance(raw, list | tuple):
        return [str(part).strip() for part in raw if str(part).strip()]
    raise ValueError(_("Expected a list."))


def _country(raw: Any) -> str:
    code = str(raw).strip().upper()
    if not reference.is_country_code(code):
        raise ValueError(
            _("“%(code)s” is not a known country code (ISO 3166-1 alpha-2).") % {"code": code}
        )
    return code


def clean_value(item: Field, raw: Any, *, lang: str, today: date | None = None) -> Any:
    """The stored form of ``raw`` for ``item`` (None when empty); ValueError with a message."""
    today = today or timezone.localdate()
    kind = item.type
    if kind == "text":
        return _free_text(raw, lang)
    if kind == "date":
        if raw in (None, ""):
            return None
        day = raw if isinstance(raw, date) else _parse_date(str(raw))
        if day > today and item.group != FieldGroup.TRAVEL:
            raise ValueError(_("The date is in the future."))
        if day.year < 1900:
            raise ValueError(_("The date is not plausible."))
        return day.isoformat()
    if kind == "datetime":
        if raw in (None, ""):
            return None
        moment = raw if isinstance(raw, datetime) else _parse_datetime(str(raw))
        return moment.replace(tzinfo=None, second=0, microsecond=0).isoformat(timespec="minutes")
    if kind == "yes_no":
        return _bool(raw)
    if kind == "choice":
        if raw in (None, ""):
            return None
        if str(raw) not in item.option_codes:
            raise ValueError(_("Unknown choice."))
        return str(raw)
    if kind == "multi_choice":
        other_raw: Any = None
        if isinstance(raw, Mapping):
            codes, other_raw = _codes(raw.get("codes")), raw.get("other")
        else:
            codes = _codes(raw)
        unknown = [code for code in codes if code not in item.option_codes]
        if unknown:
            raise ValueError(_("Unknown choice."))
        other = _free_text(other_raw, lang)
        if other is not None and "other" not in codes:
            if "other" not in item.option_codes:
                raise ValueError(_("This field has no “other” choice."))
            codes.append("other")
        ordered = [o.code for o in item.options if o.code in codes]
        return {"codes": ordered, "other": other} if ordered else None
    if kind == "country":
        return _country(raw) if raw not in (None, "") else None
    if kind == "country_list":
        countries = sorted({_country(code) for code in _codes(raw)})
        return countries or None
    if kind == "language_list":
        languages = []
        for code in _codes(raw):
            if not reference.is_language_code(code.lower()):
                raise ValueError(_("“%(code)s” is not a known language code.") % {"code": code})
            languages.append(code.lower())
        return sorted(set(languages)) or None
    if kind == "contact":
        if raw in (None, ""):
            return None
        if not isinstance(raw, Mapping):
            raise ValueError(_("Expected the contact details."))
        allowed = {sub.code for sub in item.subfields}
        if set(raw) - allowed:
            raise ValueError(_("Unknown contact detail."))
        block = {
            k: str(v).strip() for k, v in raw.items() if v not in (None, "") and str(v).strip()
        }
        if any(len(v) > CONTACT_MAX for v in block.values()):
            raise ValueError(_("At most %(max)s characters.") % {"max": CONTACT_MAX})
        return block or None
    if kind == "offered_accepted":
        if raw in (None, ""):
            return None
        if not isinstance(raw, Mapping):
            raise ValueError(_("Expected offered and accepted."))
        pair = {
            "offered": bool(_bool(raw.get("offered"))),
            "accepted": bool(_bool(raw.get("accepted"))),
        }
        return pair if pair["offered"] or pair["accepted"] else None
    raise ValueError(_("Unknown type of field."))


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(_("Enter a valid date (YYYY-MM-DD).")) from None


def _parse_datetime(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(_("Enter a valid date and time (YYYY-MM-DD HH:MM).")) from None


def has_value(value: Any) -> bool:
    return value is not None and value != [] and value != {}


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


# --- pre-filling from the case and the directory ---------------------------------------------


_CHANNEL_SUBFIELDS = {
    ChannelKind.PHONE: "telephone",
    ChannelKind.FAX: "fax",
    ChannelKind.MOBILE: "mobile",
    ChannelKind.EMAIL: "email",
    ChannelKind.MESSENGER: "skype",
}
SECTION8_FUNCTIONS = {
    "identification": Function.IDENTIFICATION,
    "first_assistance": Function.FIRST_ASSISTANCE,
    "long_term": Function.LONGER_TERM_ASSISTANCE,
    "return": Function.RETURN,
    "proceedings": Function.PROCEEDINGS,
    "interpretation": Function.INTERPRETATION,
}


def _channels(point: ContactPoint | None) -> dict[str, str]:
    found: dict[str, str] = {}
    if point is None:
        return found
    for channel in point.channels.all():
        name = _CHANNEL_SUBFIELDS.get(ChannelKind(channel.kind))
        if name and name not in found:
            found[name] = channel.value
    return found


def _institution(organisation: Organisation) -> dict[str, str]:
    point = (
        ContactPoint.objects.filter(organisation=organisation, is_active=True)
        .prefetch_related("channels")
        .order_by("pk")
        .first()
    )
    block = {"institution": organisation.name, "address": organisation.address}
    if point is not None:
        block["contact_person"] = point.person_name or point.position
        block.update(_channels(point))
    return {k: v for k, v in block.items() if v}


def _contacts_column(country_id: int, side: str) -> dict[str, Any]:
    from opentrm.directory.models import Responsibility

    rows = (
        Responsibility.objects.filter(
            country_id=country_id,
            organisation__is_active=True,
            function__in=list(SECTION8_FUNCTIONS.values()),
        )
        .select_related("organisation", "contact_point")
        .prefetch_related("contact_point__channels")
        .order_by("function", "order", "id")
    )
    first: dict[str, Responsibility] = {}
    for row in rows:
        first.setdefault(row.function, row)
    values: dict[str, Any] = {}
    for name, function in SECTION8_FUNCTIONS.items():
        found = first.get(function)
        if found is None:
            continue
        row = found
        point = row.contact_point
        if name == "interpretation":
            person = (point.person_name if point else "") or row.organisation.name
            values[f"s8.{name}.{side}"] = {"interpreter_name": person}
            continue
        cell = {
            "responsible_body": row.organisation.name,
            "responsible_person": point.position if point else "",
            "name": point.person_name if point else "",
            "title": row.label,
            "address": row.organisation.address,
        }
        channels = _channels(point)
        cell.update({k: channels[k] for k in ("telephone", "fax", "email") if k in channels})
        values[f"s8.{name}.{side}"] = {k: v for k, v in cell.items() if v}
    return values


def _latest_assessment(case: Case, kind: str) -> Assessment | None:
    return (
        Assessment.objects.filter(case=case, kind=kind, deleted_at__isnull=True)
        .order_by("-assessed_on", "-id")
        .first()
    )


def _text(value: str, lang: str) -> dict[str, str] | None:
    value = (value or "").strip()
    return {"text": value, "lang": lang} if value else None


def _choices(
    codes: Iterable[str], allowed: Iterable[str], other: str = "", lang: str = "en"
) -> Any:
    allowed_set = set(allowed)
    chosen = [code for code in codes if code in allowed_set]
    if not chosen:
        return None
    return {"codes": chosen, "other": _text(other, lang) if "other" in chosen else None}


def _return_consent(case: Case) -> bool | None:
    if consent_in_force(case=case, purpose=ConsentPurpose.RETURN) is not None:
        return True
    latest = latest_decision(case=case, purpose=ConsentPurpose.RETURN)
    if latest is not None and latest.decision == ConsentDecision.REFUSED:
        return False
    return None


def prefill(
    *, case: Case, sender: Organisation, receiver: Organisation, lang: str
) -> dict[str, Any]:
    """The template's values from the case file and the directory (every group; the caller
    keeps those the actor may see)."""
    person = case.person
    today = timezone.localdate()
    v: dict[str, Any] = {
        "header.date": today.isoformat(),
        "header.institution_exploitation": _institution(sender),
        "header.institution_origin": _institution(receiver),
        "consent.data_sharing": consent_in_force(
            case=case, purpose=ConsentPurpose.SHARE_DATA, organisation=receiver
        )
        is not None,
        "consent.return": _return_consent(case),
    }
    # §1.1
    names = list(person.names.all())
    if names:
        v["s1_1.name"] = _text(
            "; ".join(
                n.value if n.kind == "name" else f"{n.value} ({n.get_kind_display()})"
                for n in names
            ),
            lang,
        )
    if person.sex in ("male", "female", "other"):
        v["s1_1.sex"] = person.sex
    v["s1_1.place_of_birth"] = _text(person.place_of_birth, lang)
    if person.date_of_birth:
        v["s1_1.date_of_birth"] = person.date_of_birth.isoformat()
        v["s1_1.age"] = "under_18" if (person.age_on(today) or 0) < 18 else "over_18"
    elif person.age_band in ("under_18", "over_18"):
        v["s1_1.age"] = person.age_band
    v["s1_1.address"] = _text(person.address, lang)
    v["s1_1.residence_country"] = person.residence_country or None
    v["s1_1.citizenship"] = sorted(c.country_code for c in person.citizenships.all()) or None
    if person.marital_status != "unknown":
        v["s1_1.marital_status"] = person.marital_status
    documents = list(person.documents.all())
    valid = [d for d in documents if d.is_valid]
    if valid:
        v["s1_1.travel_document"] = True
        if valid[0].type in ("passport", "laissez_passer", "identity_card"):
            v["s1_1.travel_document_type"] = valid[0].type
        v["s1_1.travel_document_comments"] = _text(valid[0].note, lang)
    elif documents:
        v["s1_1.travel_document"] = False
    if person.identity_confirmed_by:
        v["s1_1.identity_confirmed"] = True
        v["s1_1.identity_confirmed_by"] = {"codes": [person.identity_confirmed_by], "other": None}
    v["s1_1.identity_comments"] = _text(person.identity_note, lang)
    v["s1_1.languages"] = sorted(language.code for language in person.languages.all()) or None
    period = ReflectionPeriod.objects.filter(case=case).order_by("-starts_on").first()
    if period is not None:
        v["s1_1.reflection_period"] = True
        v["s1_1.reflection_start"] = period.starts_on.isoformat()
        v["s1_1.reflection_end"] = period.ends_on.isoformat()
    # §1.2
    exploitation = list(case.exploitation_types.all())
    other = next((e.other for e in exploitation if e.type == "other"), "")
    v["s1_2.exploitation_type"] = _choices(
        [e.type for e in exploitation],
        [o.code for o in _options("s1_2.exploitation_type")],
        other,
        lang,
    )
    countries: dict[str, list[str]] = {}
    for row in case.countries.all():
        countries.setdefault(row.role, []).append(row.country_code)
    if countries.get(CountryRole.RECRUITMENT):
        v["s1_2.country_recruitment"] = countries[CountryRole.RECRUITMENT][0]
    v["s1_2.countries_transit"] = sorted(countries.get(CountryRole.TRANSIT, [])) or None
    v["s1_2.countries_exploitation"] = sorted(countries.get(CountryRole.EXPLOITATION, [])) or None
    v["s1_2.countries_previous"] = (
        sorted(countries.get(CountryRole.PREVIOUS_EXPLOITATION, [])) or None
    )
    if case.exploitation_began_on:
        v["s1_2.exploitation_began"] = case.exploitation_began_on.isoformat()
    if case.exploitation_ended_on:
        v["s1_2.exploitation_ended"] = case.exploitation_ended_on.isoformat()
    decision = (
        IdentificationDecision.objects.filter(case=case, outcome=IdentificationOutcome.IDENTIFIED)
        .order_by("-decided_on", "-id")
        .first()
    )
    identified_in = countries.get(CountryRole.IDENTIFICATION, [])
    if decision is not None:
        v["s1_2.formal_identification"] = decision.is_formal
        v["s1_2.identification_date"] = decision.decided_on.isoformat()
        v["s1_2.country_identification"] = decision.country_code
    elif identified_in:
        v["s1_2.country_identification"] = identified_in[0]
    v["s1_2.previously_trafficked"] = case.previously_trafficked
    # §2 from the services on the case
    services = list(case.services.filter(deleted_at__isnull=True).exclude(status="refused"))
    received = {s.service_type for s in services if s.status in ("accepted", "delivered")}
    need_of = {
        "accommodation": "accommodation",
        "shelter": "accommodation",
        "medical": "medical",
        "psychological_support": "psychological",
        "interpretation": "interpretation",
        "family_contact": "family_contact",
        "legal_adviser": "legal_adviser",
        "guardian_appointment": "guardian",
    }
    needs = sorted({need_of[s] for s in received if s in need_of})
    v["s2_1.needs"] = {"codes": needs, "other": None} if needs else None
    permit = [s for s in services if s.service_type == "residence_permit"]
    if permit:
        v["s2_2.residence_permit"] = (
            "yes" if any(s.status == "delivered" for s in permit) else "procedure_started"
        )
    if "legal_representation" in received:
        v["s2_2.legal_representative"] = True
    safety_of = {
        "shelter": "shelter",
        "victim_protection": "victim_protection",
        "physical_protection": "physical_protection",
        "resettlement": "resettlement",
    }
    safety = sorted({safety_of[s] for s in received if s in safety_of})
    v["s2_3.safety_measures"] = {"codes": safety, "other": None} if safety else None
    # §3 from the assessments and the health record
    needs_assessment = _latest_assessment(case, AssessmentKind.NEEDS)
    if needs_assessment is not None:
        if needs_assessment.accommodation_type:
            v["s3_1.accommodation"] = needs_assessment.accommodation_type
        v["s3_1.needs"] = _choices(needs_assessment.needs, [o.code for o in _options("s3_1.needs")])
    health = HealthRecord.objects.filter(case=case).first()
    if health is not None:
        v["s3_2.medical_history"] = _text(health.medical_history, lang)
        v["s3_2.chronic_diseases"] = _text(health.chronic_diseases, lang)
        v["s3_2.addiction"] = _text(health.addiction, lang)
        v["s3_2.medication"] = _text(health.medication, lang)
        v["s3_2.comments"] = _text(health.comments, lang)
    safety_assessment = _latest_assessment(case, AssessmentKind.SAFETY)
    if safety_assessment is not None:
        v["s3_3.risk_assessment"] = True
        v["s3_3.harm_sources"] = _choices(
            safety_assessment.harm_sources,
            [o.code for o in _options("s3_3.harm_sources")],
            safety_assessment.harm_source_other,
            lang,
        )
        v["s3_3.unsafe_locations"] = _text(safety_assessment.unsafe_locations, lang)
        v["s3_3.comments"] = _text(safety_assessment.summary, lang)
    risk = _latest_assessment(case, AssessmentKind.RETRAFFICKING)
    if risk is not None:
        v["s3_4.risk_level"] = risk.risk_level or None
        v["s3_4.assessment_done"] = True
        v["s3_4.assessment_partners"] = _choices(
            risk.partners, [o.code for o in _options("s3_4.assessment_partners")]
        )
        v["s3_4.comments"] = _text(risk.summary, lang)
    # §7 from the proceedings
    sender_country = sender.country.code
    for prefix, country in (("s7_1", sender_country), ("s7_2", receiver.country.code)):
        rows = list(Proceeding.objects.filter(case=case, country_code=country))
        if not rows:
            continue
        v[f"{prefix}.case_initiated"] = any(r.initiated for r in rows)
        for name, attr in (
            ("statement_taken", "statement_taken"),
            ("testified", "testified"),
            ("compensation_claimed", "compensation_claimed"),
            ("compensation_obtained", "compensation_obtained"),
        ):
            answers = [getattr(r, attr) for r in rows if getattr(r, attr) is not None]
            v[f"{prefix}.{name}"] = any(answers) if answers else None
        decisions = [r.court_decision for r in rows if r.court_decision]
        allowed = [o.code for o in _options(f"{prefix}.court_decision")]
        if decisions and decisions[0] in allowed:
            v[f"{prefix}.court_decision"] = decisions[0]
        if prefix == "s7_1":
            v["s7_1.proceeding_types"] = {"codes": sorted({r.kind for r in rows}), "other": None}
            status = next((r.legal_status for r in rows if r.legal_status), "")
            v["s7_1.legal_status"] = _text(status, lang)
    # §8 from the directory
    v.update(_contacts_column(sender.country_id, EXPLOITATION))
    v.update(_contacts_column(receiver.country_id, ORIGIN))
    # the child annex
    safeguards = states.child_safeguards(case)
    if safeguards is not None:
        guardian = ""
        if safeguards.guardian is not None:
            guardian = safeguards.guardian.get_full_name() or safeguards.guardian.get_username()
        v["child.guardian"] = _text(guardian or safeguards.guardian_name, lang)
        for code, day in (
            ("child.guardian_appointed_on", safeguards.guardian_appointed_on),
            ("child.best_interests_determined_on", safeguards.best_interests_determined_on),
            ("child.welfare_clearance_on", safeguards.welfare_clearance_on),
            ("child.asylum_indicated_on", safeguards.asylum_indicated_on),
        ):
            v[code] = day.isoformat() if day else None
        if safeguards.liaison_officer is not None:
            v["child.liaison_officer"] = _text(str(safeguards.liaison_officer), lang)
        v["child.best_interests_summary"] = _text(safeguards.best_interests_summary, lang)
        v["child.family_tracing"] = safeguards.family_tracing_in_best_interests
        if safeguards.welfare_clearance_by is not None:
            v["child.welfare_clearance_by"] = _text(safeguards.welfare_clearance_by.name, lang)
        v["child.asylum_indicated"] = safeguards.asylum_indicated_on is not None
    return {code: value for code, value in v.items() if has_value(value)}


def _options(code: str) -> tuple[loader.Option, ...]:
    item = loader.load_template().field(code)
    return item.options if item is not None else ()


# --- creating, editing, sending -------------------------------------------------------------


def _check_origin(actor: Actor, case: Case, country_code: str) -> None:
    """SOP-P9: audited in its own transaction, so call it before the service's transaction."""
    try:
        contact_country_of_origin_check(
            actor=actor, case=case, country_code=country_code, purpose="referral"
        )
    except OriginContactBlockedError as error:
        raise ValidationError({"receiver_country": error.reasons}) from error


def transnational_create(
    *,
    actor: Actor,
    case: Case,
    country_code: str,
    intended: Organisation | None = None,
    urgency: str = Urgency.ROUTINE,
    reason: str = "",
) -> Referral:
    """Draft a transnational referral of ``case`` to ``country_code`` with its template
    pre-filled. Refused towards a child's country of origin once asylum was indicated."""
    require(actor, Action.REFERRAL_SEND)
    assert actor.membership is not None
    require_widening(can(actor, Action.REFERRAL_SEND, case), actor, case, action="referral.send")
    sender = actor.membership.organisation
    try:
        code = _country(country_code)
    except ValueError as error:
        raise ValidationError({"receiver_country": str(error)}) from None
    if code == sender.country.code:
        raise ValidationError(
            {"receiver_country": _("Choose another country: this one is your own.")}
        )
    if urgency not in Urgency.values:
        raise ValidationError({"urgency": _("Unknown urgency.")})
    if intended is not None and intended.country.code != code:
        raise ValidationError(
            {"intended": _("The organisation asked for is not in the receiving country.")}
        )
    _check_origin(actor, case, code)
    return _create(
        actor=actor,
        case=case,
        sender=sender,
        country_code=code,
        intended=intended,
        urgency=urgency,
        reason=reason,
    )


@transaction.atomic
def _create(
    *,
    actor: Actor,
    case: Case,
    sender: Organisation,
    country_code: str,
    intended: Organisation | None,
    urgency: str,
    reason: str,
) -> Referral:
    child = states.is_child_case(case, timezone.localdate())
    route = routing.route(sender=sender, country_code=country_code, intended=intended, child=child)
    referral = Referral.objects.create(
        reference=core.next_reference(sender.country.code),
        kind=ReferralKind.TRANSNATIONAL,
        case=case,
        sender_organisation=sender,
        receiver_country=country_code,
        receiver_organisation=route.receiver,
        intended_organisation=route.intended,
        routing=route.routing,
        urgency=urgency,
        reason=reason.strip(),
        updated_by=actor.user,
    )
    lang = current_language()
    values = prefill(case=case, sender=sender, receiver=route.receiver, lang=lang)
    # Only what the author may see goes into the draft.
    values = {code: value for code, value in values.items() if _may_view(actor, case, code)}
    profile = profile_of(sender.country_id)
    TemplateInstance.objects.create(
        referral=referral,
        template_version=loader.CURRENT_VERSION,
        profile_country=sender.country.code,
        profile_version=profile.version if profile else 0,
        data={
            "values": values,
            "fields": list(profile.added_fields) if profile else [],
            "disabled": list(profile.disabled_fields) if profile else [],
            "origin": {},
            "sent": None,
        },
        sender_language=lang,
        receiver_language=country_language(country_code),
        updated_by=actor.user,
    )
    record_event(
        event_type=EventType.REFERRAL_CREATED,
        actor=actor,
        target=referral,
        detail={
            "referral": referral.reference,
            "kind": referral.kind,
            "case_id": case.pk,
            "receiver_id": route.receiver.pk,
            "routing": route.routing,
            "prefilled": sorted(values),
        },
    )
    return referral


def _may_view(actor: Actor, case: Case, code: str) -> bool:
    item = loader.load_template().field(code)
    if item is None or item.group is None:
        return True
    return group_access(actor, case, FieldGroup(item.group)) >= Access.VIEW


def may_edit_field(actor: Actor, referral: Referral, item: Field) -> bool:
    """Each field only by its owner side, at the time that side fills it, with the role's
    edit access to the field's group."""
    side = side_of(actor, referral)
    if side is None or side != item.owner or referral.case is None:
        return False
    if side == EXPLOITATION:
        if referral.status != S.DRAFT or not actor.may(Action.REFERRAL_SEND):
            return False
        if item.group is None:
            return True
        return group_access(actor, referral.case, FieldGroup(item.group)) >= Access.EDIT
    if referral.status not in AFTER_ACCEPTANCE or not actor.may(Action.REFERRAL_RESPOND):
        return False
    return item.group is None or actor.field_group_access(FieldGroup(item.group)) >= Access.EDIT


def _instance(referral: Referral) -> TemplateInstance:
    instance = TemplateInstance.objects.select_for_update().filter(referral=referral).first()
    if instance is None:
        raise ValidationError({"__all__": _("This referral has no template.")})
    return instance


@transaction.atomic
def template_update(
    *,
    actor: Actor,
    referral: Referral,
    expected_version: int,
    values: Mapping[str, Any],
    lang: str | None = None,
) -> TemplateInstance:
    """Write fields of the template: each only by its owner side (the sender's before sending,
    the receiving side's after accepting). Nothing is written if any field is refused."""
    side = side_of(actor, referral)
    if side is None:
        raise PermissionDenied
    instance = _instance(referral)
    definition = instance_definition(instance)
    lang = lang or current_language()
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for code, raw in values.items():
        item = definition.field(code)
        if item is None:
            errors.setdefault(code, []).append(_("The template has no such field."))
            continue
        if not may_edit_field(actor, referral, item):
            errors.setdefault(code, []).append(_("You may not change this field."))
            continue
        try:
            cleaned[code] = clean_value(item, raw, lang=lang)
        except ValueError as error:
            errors.setdefault(code, []).append(str(error))
        except ValidationError as error:
            errors.setdefault(code, []).extend(error.messages)
    if errors:
        raise ValidationError(errors)
    data = dict(instance.data or {})
    key = "values" if side == EXPLOITATION else "origin"
    target = dict(data.get(key) or {})
    for code, value in cleaned.items():
        if has_value(value):
            target[code] = value
        else:
            target.pop(code, None)
    data[key] = target
    instance.data = data
    save_if_unchanged(
        instance, expected_version=expected_version, fields=["data"], actor=actor.user
    )
    instance.version = expected_version + 1
    record_event(
        event_type=EventType.REFERRAL_CHANGED,
        actor=actor,
        target=referral,
        detail={"referral": referral.reference, "side": side, "fields": sorted(cleaned)},
    )
    return instance


def _return_values(definition: Template, values: Mapping[str, Any]) -> list[str]:
    section = definition.section(RETURN_SECTION)
    if section is None:
        return []
    return [f.code for f in section.fields if has_value(values.get(f.code))]


def return_consent_missing(case: Case) -> bool:
    return consent_in_force(case=case, purpose=ConsentPurpose.RETURN) is None


def transnational_send(*, actor: Actor, referral: Referral, expected_version: int) -> Referral:
    """Send the draft: only the field groups the gate (consent AND agreement) allows go into
    the snapshot; the other fields are marked withheld, without their values."""
    require(actor, Action.REFERRAL_SEND)
    if side_of(actor, referral) != EXPLOITATION or referral.case is None:
        raise PermissionDenied
    require_widening(
        can(actor, Action.REFERRAL_SEND, referral.case),
        actor,
        referral.case,
        action="referral.send",
    )
    if referral.kind != ReferralKind.TRANSNATIONAL:
        raise ValidationError({"__all__": _("This referral has no template.")})
    _check_origin(actor, referral.case, referral.receiver_country)
    return _send(actor=actor, referral=referral, expected_version=expected_version)


@transaction.atomic
def _send(*, actor: Actor, referral: Referral, expected_version: int) -> Referral:
    case = referral.case
    assert case is not None
    receiver = referral.receiver_organisation
    if not receiver.is_active:
        raise ValidationError({"__all__": _("The receiving organisation is no longer active.")})
    instance = _instance(referral)
    definition = instance_definition(instance)
    values: dict[str, Any] = dict((instance.data or {}).get("values") or {})
    if _return_values(definition, values) and return_consent_missing(case):
        raise ValidationError(
            {
                RETURN_SECTION: _(
                    "Return data (section 5) cannot be sent while the person's consent to "
                    "return is missing or refused. Record the consent, or clear section 5."
                )
            }
        )
    sharing = sharing_with(case, receiver)
    allowed = {g.value for g in sharing.groups}
    sent_values: dict[str, Any] = {}
    withheld: list[str] = []
    for item in definition.fields:
        if item.group is not None and item.group not in allowed:
            withheld.append(item.code)
        elif has_value(values.get(item.code)):
            sent_values[item.code] = values[item.code]
    from opentrm.agreements.selectors import agreement_in_force_between

    governing = agreement_in_force_between(
        case.owner_organisation_id, receiver.pk, timezone.localdate()
    )
    data = dict(instance.data or {})
    data["sent"] = {
        "values": sent_values,
        "withheld": withheld,
        "groups": sorted(allowed),
        "at": timezone.now().isoformat(),
    }
    instance.data = data
    save_if_unchanged(
        instance, expected_version=instance.version, fields=["data"], actor=actor.user
    )
    sent = core.send(
        actor=actor,
        referral=referral,
        expected_version=expected_version,
        fields={
            "shared_groups": sorted(allowed),
            "consent": sharing.consent,
            "agreement": governing[0].agreement if governing and sharing.consent else None,
        },
        detail={
            "shared_groups": sorted(allowed),
            "withheld_fields": len(withheld),
            "profile_country": instance.profile_country,
            "profile_version": instance.profile_version,
        },
    )
    exchange_link.referral_sent(actor, sent)  # to another OpenTRM node, if it is one
    return sent


# --- the steps after sending ------------------------------------------------------------------

# step -> (status, side that takes it). The referral page's own buttons (national part) take
# acknowledge / accept / decline / withdraw for every kind; the template section offers the rest.
PAGE_STEPS = ("return_arranged", "arrival_confirmed", "close")
STEPS: dict[str, tuple[str, str]] = {
    "acknowledge": (S.ACKNOWLEDGED, ORIGIN),
    "accept": (S.ACCEPTED, ORIGIN),
    "decline": (S.DECLINED, ORIGIN),
    "return_arranged": (S.RETURN_ARRANGED, EXPLOITATION),
    "arrival_confirmed": (S.ARRIVAL_CONFIRMED, ORIGIN),
    "close": (S.CLOSED, EXPLOITATION),
    "withdraw": (S.WITHDRAWN, EXPLOITATION),
}


def available_steps(actor: Actor, referral: Referral) -> list[str]:
    side = side_of(actor, referral)
    action = Action.REFERRAL_SEND if side == EXPLOITATION else Action.REFERRAL_RESPOND
    if side is None or not actor.may(action):
        return []
    nexts = core.TRANSITIONS.get(referral.status, frozenset())
    return [
        name
        for name, (status, by) in STEPS.items()
        if by == side and status in nexts and referral.status != S.DRAFT
    ]


def transnational_step(
    *, actor: Actor, referral: Referral, step: str, expected_version: int, reason: str = ""
) -> Referral:
    if step not in STEPS:
        raise ValidationError({"__all__": _("Unknown step.")})
    status, by = STEPS[step]
    side = side_of(actor, referral)
    require(actor, Action.REFERRAL_SEND if by == EXPLOITATION else Action.REFERRAL_RESPOND)
    if side != by or referral.kind != ReferralKind.TRANSNATIONAL:
        raise PermissionDenied
    if step == "return_arranged" and referral.case is not None:
        _check_origin(actor, referral.case, referral.receiver_country)
    return _step(
        actor=actor,
        referral=referral,
        step=step,
        status=status,
        expected_version=expected_version,
        reason=reason.strip(),
    )


@transaction.atomic
def _step(
    *,
    actor: Actor,
    referral: Referral,
    step: str,
    status: str,
    expected_version: int,
    reason: str,
) -> Referral:
    fields: dict[str, object] = {}
    case = referral.case
    if step in ("decline", "withdraw") and not reason:
        key = "decline_reason" if step == "decline" else "withdrawal_reason"
        raise ValidationError({"reason": _("Give the reason."), key: _("Give the reason.")})
    if step == "decline":
        fields["decline_reason"] = reason
    if step == "withdraw":
        fields["withdrawal_reason"] = reason
    if step == "return_arranged" and case is not None and return_consent_missing(case):
        raise ValidationError(
            {
                "__all__": _(
                    "The return cannot be arranged while the person's consent to return is "
                    "missing or refused."
                )
            }
        )
    if step in ("decline", "withdraw") and referral.participant_id is not None:
        # The receiver's place on the case (if a referral gave it one) ends with it.
        CaseParticipant.objects.filter(pk=referral.participant_id).update(
            is_active=False, updated_at=timezone.now()
        )
    if step == "accept":
        fields.update(exchange_link.accepting(actor, referral))  # from another node: a case
    done = core.step(
        actor=actor,
        referral=referral,
        to=status,
        expected_version=expected_version,
        fields=fields,
        detail={"step": step},
    )
    exchange_link.step_taken(actor, done)
    return done


# --- follow-up reports ------------------------------------------------------------------------


def follow_up_fields(definition: Template) -> list[Field]:
    return [
        item
        for code in FOLLOW_UP_SECTIONS
        if (section := definition.section(code)) is not None
        for item in section.fields
        if item.owner == ORIGIN
    ]


@transaction.atomic
def follow_up_add(
    *,
    actor: Actor,
    referral: Referral,
    reported_on: date,
    values: Mapping[str, Any],
    summary: str = "",
    lang: str | None = None,
) -> FollowUpReport:
    """A report from the receiving side after the return (§6-§7): kept as a dated report, and
    its values become the template's current §6-§7."""
    require(actor, Action.REFERRAL_RESPOND)
    if side_of(actor, referral) != ORIGIN:
        raise PermissionDenied
    if referral.status not in AFTER_ACCEPTANCE:
        raise ValidationError(
            {"__all__": _("Follow-up reports are added once the referral is accepted.")}
        )
    errors: dict[str, list[str]] = {}
    if reported_on > timezone.localdate():
        errors["reported_on"] = [_("The date is in the future.")]
    instance = _instance(referral)
    definition = instance_definition(instance)
    allowed = {item.code: item for item in follow_up_fields(definition)}
    lang = lang or current_language()
    cleaned: dict[str, Any] = {}
    for code, raw in values.items():
        item = allowed.get(code)
        if item is None or not may_edit_field(actor, referral, item):
            errors.setdefault(code, []).append(_("You may not report this field."))
            continue
        try:
            value = clean_value(item, raw, lang=lang)
        except ValueError as error:
            errors.setdefault(code, []).append(str(error))
            continue
        if has_value(value):
            cleaned[code] = value
    if not cleaned and not summary.strip():
        errors.setdefault("__all__", []).append(_("The report is empty."))
    if errors:
        raise ValidationError(errors)
    assert actor.membership is not None
    report = FollowUpReport.objects.create(
        referral=referral,
        reported_on=reported_on,
        data={"values": cleaned, "summary_lang": lang},
        summary=summary.strip(),
        organisation=actor.membership.organisation,
        reported_by=actor.user,
    )
    data = dict(instance.data or {})
    data["origin"] = {**(data.get("origin") or {}), **cleaned}
    instance.data = data
    save_if_unchanged(
        instance, expected_version=instance.version, fields=["data"], actor=actor.user
    )
    record_event(
        event_type=EventType.REFERRAL_FOLLOW_UP,
        actor=actor,
        target=referral,
        detail={"referral": referral.reference, "report_id": report.pk, "fields": sorted(cleaned)},
    )
    exchange_link.follow_up_added(actor, referral, report)
    return report


# --- what one actor sees of the template ------------------------------------------------------

VALUE, EMPTY, WITHHELD, PENDING, HIDDEN = "value", "empty", "withheld", "pending", "hidden"


@dataclass(frozen=True)
class Cell:
    field: Field
    value: Any
    state: str  # VALUE, EMPTY, WITHHELD (the gate), PENDING (before accepting), HIDDEN (role)
    editable: bool
    unknown: bool  # added by the sender's profile; not in the viewer's own template


@dataclass(frozen=True)
class SectionView:
    section: loader.Section
    cells: list[Cell]
    missing: list[Field]  # expected by the viewer's own template, not in this instance

    @property
    def total(self) -> int:
        return len(self.cells)

    @property
    def filled(self) -> int:
        return sum(1 for cell in self.cells if cell.state == VALUE)

    @property
    def withheld(self) -> bool:
        """Every field of the section is kept back by the gate (or before acceptance)."""
        return bool(self.cells) and all(c.state in (WITHHELD, PENDING) for c in self.cells)

    @property
    def withheld_count(self) -> int:
        return sum(1 for cell in self.cells if cell.state in (WITHHELD, PENDING))

    @property
    def editable(self) -> bool:
        return any(cell.editable for cell in self.cells)


@dataclass(frozen=True)
class TemplateView:
    referral: Referral
    instance: TemplateInstance
    definition: Template
    side: str
    sections: list[SectionView]
    gate_groups: frozenset[str]

    @property
    def filled(self) -> int:
        return sum(s.filled for s in self.sections)

    @property
    def total(self) -> int:
        return sum(s.total for s in self.sections)

    def visible_values(self) -> dict[str, Any]:
        """Field code -> value for every cell the viewer may see (the API's and documents')."""
        return {
            cell.field.code: cell.value
            for section in self.sections
            for cell in section.cells
            if cell.state == VALUE
        }

    def withheld_codes(self) -> list[str]:
        return [
            cell.field.code
            for section in self.sections
            for cell in section.cells
            if cell.state in (WITHHELD, PENDING)
        ]


def own_definition(actor: Actor) -> Template:
    from opentrm.referrals.services.profiles import definition_for

    return definition_for(profile_of(actor.country_id))


def template_view(actor: Actor, referral: Referral) -> TemplateView | None:
    """The template as ``actor`` may see it. The sender sees its working copy (and, before
    sending, which groups the gate would withhold); the receiver sees the sent snapshot
    narrowed by today's consent and agreements, nothing personal before accepting."""
    side = side_of(actor, referral)
    case = referral.case
    instance = TemplateInstance.objects.filter(referral=referral).first()
    if side is None or instance is None:
        return None
    if case is None and not (side == ORIGIN and (instance.data or {}).get("imported")):
        return None
    definition = instance_definition(instance)
    own = own_definition(actor)
    data = instance.data or {}
    origin_values: dict[str, Any] = data.get("origin") or {}
    sent = data.get("sent") or {}
    if side == EXPLOITATION:
        assert case is not None  # only imported referrals have none, and their sender is abroad
        source: dict[str, Any] = data.get("values") or {}
        if referral.status == S.DRAFT:
            gate = frozenset(
                g.value for g in sharing_with(case, referral.receiver_organisation).groups
            )
        else:
            gate = frozenset(sent.get("groups") or [])
        withheld_codes: frozenset[str] = frozenset()
    else:
        source = sent.get("values") or {}
        gate = receiver_groups(referral)
        withheld_codes = frozenset(sent.get("withheld") or [])
    accepted = referral.status in AFTER_ACCEPTANCE or referral.status == S.CLOSED
    sections: list[SectionView] = []
    for section in definition.sections:
        cells: list[Cell] = []
        for item in section.fields:
            group = FieldGroup(item.group) if item.group else None
            if group is not None:
                role = (
                    group_access(actor, case, group)
                    if side == EXPLOITATION and case is not None
                    else actor.field_group_access(group)
                )
            else:
                role = Access.EDIT
            if item.code in origin_values:
                value, state = origin_values[item.code], VALUE
            elif item.owner == ORIGIN and side == ORIGIN and item.code not in source:
                value, state = None, EMPTY
            elif group is not None and side == ORIGIN and not accepted:
                value, state = None, PENDING
            elif group is not None and (item.code in withheld_codes or item.group not in gate):
                # the sender still sees its own draft value, marked as what the gate keeps back
                value = source.get(item.code) if side == EXPLOITATION else None
                state = WITHHELD
            else:
                value = source.get(item.code)
                state = VALUE if has_value(value) else EMPTY
            if role < Access.VIEW:
                value, state = None, HIDDEN
            cells.append(
                Cell(
                    field=item,
                    value=value if state in (VALUE, WITHHELD) else None,
                    state=state,
                    editable=may_edit_field(actor, referral, item) and role >= Access.EDIT,
                    unknown=own.field(item.code) is None,
                )
            )
        own_section = own.section(section.code)
        missing = [
            f
            for f in (own_section.fields if own_section else ())
            if definition.field(f.code) is None
        ]
        sections.append(SectionView(section=section, cells=cells, missing=missing))
    return TemplateView(
        referral=referral,
        instance=instance,
        definition=definition,
        side=side,
        sections=sections,
        gate_groups=gate,
    )
