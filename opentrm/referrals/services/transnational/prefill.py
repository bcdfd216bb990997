"""Pre-filling the template from the case file and the directory."""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.cases import states
from opentrm.cases.models import (
    Assessment,
    AssessmentKind,
    Case,
    ConsentDecision,
    ConsentPurpose,
    CountryRole,
    ExploitationType,
    HealthRecord,
    IdentificationDecision,
    IdentificationOutcome,
    Proceeding,
    ReflectionPeriod,
)
from opentrm.cases.selectors import consent_in_force, latest_decision
from opentrm.directory.models import ChannelKind, ContactPoint, Function, Organisation
from opentrm.referrals.models import (
    ReferralStatus,
)
from opentrm.referrals.services.transnational.values import has_value
from opentrm.referrals.template import loader
from opentrm.referrals.template.loader import EXPLOITATION, ORIGIN

S = ReferralStatus

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
    v.update(_person_values(case, lang, today))
    v.update(_trafficking_values(case, lang))
    v.update(_service_values(case))
    v.update(_assessment_values(case, lang))
    v.update(_proceeding_values(case, sender, receiver, lang))
    # §8 from the directory
    v.update(_contacts_column(sender.country_id, EXPLOITATION))
    v.update(_contacts_column(receiver.country_id, ORIGIN))
    v.update(_child_values(case, lang))
    return {code: value for code, value in v.items() if has_value(value)}


def _person_values(case: Case, lang: str, today: date) -> dict[str, Any]:
    """§1.1: the person."""
    person = case.person
    v: dict[str, Any] = {}
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
    return v


# The case records HTCDS 2.0's types of exploitation; the Annex I template has fewer. A type
# with no option of its own goes under "other", named in the description (as the exchange's
# HTCDS mapping reads them back, ``exchange/fieldnames.py``).
_X = ExploitationType
ANNEX1_EXPLOITATION = {
    _X.SEXUAL_EXPLOITATION: "sexual",
    _X.FORCED_LABOUR: "labour",
    _X.CHILD_LABOUR: "labour",
    _X.FORCED_BEGGING: "begging",
    _X.ORGAN_REMOVAL: "organ_removal",
    _X.FORCED_ADOPTION: "adoption",
}


def _exploitation_value(case: Case, lang: str) -> Any:
    codes: list[str] = []
    described: list[str] = []
    for row in case.exploitation_types.order_by("pk"):
        code = ANNEX1_EXPLOITATION.get(ExploitationType(row.type), "other")
        if code not in codes:
            codes.append(code)
        if code == "other":
            described.append(row.other if row.type == _X.OTHER else str(_X(row.type).label))
    allowed = [o.code for o in _options("s1_2.exploitation_type")]
    codes.sort(key=lambda code: allowed.index(code) if code in allowed else len(allowed))
    return _choices(codes, allowed, "; ".join(d for d in described if d), lang)


def _trafficking_values(case: Case, lang: str) -> dict[str, Any]:
    """§1.2: the trafficking, the countries and the identification."""
    v: dict[str, Any] = {}
    v["s1_2.exploitation_type"] = _exploitation_value(case, lang)
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
    return v


def _service_values(case: Case) -> dict[str, Any]:
    """§2 from the services on the case."""
    v: dict[str, Any] = {}
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
    return v


def _assessment_values(case: Case, lang: str) -> dict[str, Any]:
    """§3 from the assessments and the health record."""
    v: dict[str, Any] = {}
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
    return v


def _proceeding_values(
    case: Case, sender: Organisation, receiver: Organisation, lang: str
) -> dict[str, Any]:
    """§7 from the proceedings in both countries."""
    v: dict[str, Any] = {}
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
    v["s7_1.comments"] = _text(_references(case), lang)
    return v


def _references(case: Case) -> str:
    """The case's law-enforcement and court references (OTH-10, GAP-13): the template has no
    field of its own for them, so they open the comments on the proceedings."""
    parts = []
    if case.law_enforcement_reference:
        reference = case.law_enforcement_reference
        parts.append(_("Law-enforcement reference: %(ref)s") % {"ref": reference})
    if case.court_reference:
        parts.append(_("Court reference: %(ref)s") % {"ref": case.court_reference})
    return "; ".join(parts)


def _child_values(case: Case, lang: str) -> dict[str, Any]:
    """The child annex."""
    v: dict[str, Any] = {}
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
    return v


def _options(code: str) -> tuple[loader.Option, ...]:
    item = loader.load_template().field(code)
    return item.options if item is not None else ()
