"""Accepting a referral received from another node: the accepting organisation gets a local case
for the person the package describes (``transitions`` calls it on the accept step)."""

from datetime import datetime
from typing import Any

from opentrm.accounts.policy import Actor
from opentrm.cases.models import AgeBand, Sex
from opentrm.referrals.models import Referral
from opentrm.referrals.services.exchange_incoming import text_of as _text
from opentrm.referrals.services.exchange_link import is_incoming
from opentrm.referrals.services.exchange_packages import template_of as _instance


def accepting(actor: Actor, referral: Referral) -> dict[str, object]:
    """Fields for the acceptance of a referral received from another node: a local case of the
    accepting organisation for the person the package describes (``Referral.case``). There is
    no duplicate check against existing persons yet (the matching issue does not exist)."""
    from opentrm.cases.services import NameData, case_register

    if referral.case_id is not None or not is_incoming(referral):
        return {}
    instance = _instance(referral)
    sent = ((instance.data if instance else None) or {}).get("sent") or {}
    values: dict[str, Any] = dict(sent.get("values") or {})
    names = [
        NameData(part.strip()[:200])
        for part in _text(values.get("s1_1.name")).split(";")
        if part.strip()
    ]
    sex = str(values.get("s1_1.sex") or "")
    birth = None
    if values.get("s1_1.date_of_birth"):
        birth = datetime.fromisoformat(str(values["s1_1.date_of_birth"])).date()
    band = str(values.get("s1_1.age") or "")
    case = case_register(
        actor=actor,
        names=names,
        sex=sex if sex in Sex.values else Sex.UNKNOWN,
        date_of_birth=birth,
        age_band=band if band in AgeBand.values else AgeBand.UNKNOWN,
        languages=[str(code) for code in values.get("s1_1.languages") or []],
        citizenships=[str(code) for code in values.get("s1_1.citizenship") or []],
    )
    from opentrm.referrals.services.exchange_attachments import attachments_store

    attachments_store(actor, referral, case)
    return {"case": case}
