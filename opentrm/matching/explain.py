"""A comparison in plain, translatable sentences: which names, dates and places agreed or not."""

from django.utils.translation import gettext as _

from opentrm.matching.scoring import Evidence, Verdict


def _name(evidence: Evidence) -> str:
    names = {"query": evidence.query, "candidate": evidence.candidate}
    base = evidence.detail.split("+")[0]
    if base == "different":
        text = _("The names differ: “%(query)s” and “%(candidate)s”.") % names
    elif base == "exact":
        text = _("The names agree: “%(query)s” and “%(candidate)s”.") % names
    elif base == "spelling":
        text = (
            _(
                "The names agree once written in the same alphabet and spelling: “%(query)s” "
                "and “%(candidate)s”."
            )
            % names
        )
    elif base == "nickname":
        text = (
            _(
                "The names agree, one given as a short form (nickname): “%(query)s” and "
                "“%(candidate)s”."
            )
            % names
        )
    else:
        text = (
            _(
                "The names are similar (a spelling or typing difference): “%(query)s” and "
                "“%(candidate)s”."
            )
            % names
        )
    if "+order" in evidence.detail:
        text += " " + _("The names are in a different order (given and family name swapped).")
    if "+extra" in evidence.detail:
        text += " " + _(
            "One record has a name the other lacks (a middle name or a second family name)."
        )
    return text


def _birth(evidence: Evidence) -> str:
    dates = {"query": evidence.query, "candidate": evidence.candidate}
    detail = evidence.detail
    if detail == "exact":
        return _("The dates of birth agree (%(query)s).") % dates
    if detail == "swapped":
        text = _(
            "The dates of birth agree with day and month swapped (%(query)s and %(candidate)s)."
        )
    elif detail == "typo":
        text = _(
            "The dates of birth differ by one digit or in the order of digits (%(query)s and "
            "%(candidate)s)."
        )
    elif detail == "year" and evidence.verdict == Verdict.DISAGREE:
        text = _("The dates of birth differ within the same year (%(query)s and %(candidate)s).")
    elif detail == "year":
        text = _("The years of birth agree (%(query)s and %(candidate)s).")
    elif detail == "estimate":
        text = _("The years of birth fit an estimated age (%(query)s and %(candidate)s).")
    else:
        text = _("The dates of birth differ (%(query)s and %(candidate)s).")
    return text % dates


def _other(evidence: Evidence) -> str:
    agree = evidence.verdict != Verdict.DISAGREE
    if evidence.field == "sex":
        return _("The sex agrees.") if agree else _("The sex differs.")
    if evidence.field == "document":
        return (
            _("A document number agrees (strong evidence).")
            if agree
            else _("The document numbers differ.")
        )
    if evidence.field == "citizenship":
        return (
            _("A citizenship agrees (%(codes)s).") % {"codes": evidence.detail}
            if agree
            else _("The citizenships differ.")
        )
    if evidence.field == "place":
        return _("The places of birth agree.") if agree else _("The places of birth differ.")
    if evidence.verdict == Verdict.AGREE:
        return _("The addresses agree.")
    return _("The addresses are similar.") if agree else _("The addresses differ.")


def explain(evidence: list[Evidence]) -> list[str]:
    """One sentence per field compared, agreements first."""
    ordered = sorted(evidence, key=lambda e: e.verdict == Verdict.DISAGREE)
    sentences = []
    for item in ordered:
        if item.field == "name":
            sentences.append(_name(item))
        elif item.field == "birth":
            sentences.append(_birth(item))
        else:
            sentences.append(_other(item))
    return sentences
