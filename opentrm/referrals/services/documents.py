"""Bilingual documents of the transnational template (issue 4 §6): every label in the
sender's language and the receiver's language side by side (``translation.override`` gives
each), free text marked with the language it was written in; and a blank printable template
per language pair. Printing (HTML) and exporting (PDF) are audited."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opentrm.accounts.policy import Actor
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.core import pdf
from opentrm.directory import reference
from opentrm.referrals.models import Referral, ReferralKind
from opentrm.referrals.services import transnational as tn
from opentrm.referrals.services.requests.data import FIELDS, KIND_FIELDS, KIND_NOTES, REQUEST_KINDS
from opentrm.referrals.template.loader import Field, Template


@dataclass(frozen=True)
class Pair:
    """Two texts of the same thing: in language ``a`` (sender) and ``b`` (receiver)."""

    a: str
    b: str

    @property
    def same(self) -> bool:
        return self.a == self.b


@dataclass
class DocRow:
    code: str
    label: Pair
    value: Pair | None = None  # rendered value (choices and yes/no in both languages)
    text_lang: str = ""  # free text: the language it was written in
    state: str = tn.EMPTY
    unknown: bool = False
    kept: bool = False  # the sender's own value that the gate keeps back
    parts: list[tuple[Pair, str]] = field(default_factory=list)  # contact details
    options: list[Pair] = field(default_factory=list)  # blank template: the choices


@dataclass
class DocSection:
    code: str
    heading: Pair
    rows: list[DocRow]
    missing: list[Pair]
    withheld: bool


@dataclass
class DocChapter:
    code: str
    heading: Pair
    sections: list[DocSection]


@dataclass
class Document:
    title: Pair
    lang_a: str
    lang_b: str
    language_names: Pair
    chapters: list[DocChapter]
    reference: str = ""
    sender: str = ""
    receiver: str = ""
    profile: str = ""
    blank: bool = False
    notes: dict[str, Pair] = field(default_factory=dict)
    description: Pair | None = None

    def headings(self) -> list[Pair]:
        """Every chapter and section heading (the PDF test looks for each)."""
        found: list[Pair] = [self.title]
        for chapter in self.chapters:
            found.append(chapter.heading)
            found.extend(section.heading for section in chapter.sections)
        return found


def _both(lang_a: str, lang_b: str, make: Any) -> Pair:
    with translation.override(lang_a):
        a = str(make())
    with translation.override(lang_b):
        b = str(make())
    return Pair(a, b)


def _multi_choice_text(item: Field, value: Any) -> str:
    labels = []
    for code in value.get("codes", []):
        option = item.option(code)
        label = option.label if option else code
        other = value.get("other")
        if code == "other" and other:
            label = f"{label}: {other.get('text', '')} [{other.get('lang', '')}]"
        labels.append(label)
    return "; ".join(labels)


def _offered_accepted_text(item: Field, value: Any) -> str:
    parts = []
    if value.get("offered"):
        parts.append(_("offered to trafficked person"))
    if value.get("accepted"):
        parts.append(_("accepted by trafficked person"))
    return "; ".join(parts)


def _choice_text(item: Field, value: Any) -> str:
    option = item.option(value)
    return option.label if option else str(value)


# How each field type shows its value; a type not listed shows the value as it is.
_TEXT_OF_TYPE: dict[str, Callable[[Field, Any], str]] = {
    "text": lambda _item, v: str(v.get("text", "")) if isinstance(v, dict) else str(v),
    "yes_no": lambda _item, v: _("Yes") if v else _("No"),
    "date": lambda _item, v: date.fromisoformat(v).strftime("%d/%m/%Y"),
    "datetime": lambda _item, v: datetime.fromisoformat(v).strftime("%d/%m/%Y %H:%M"),
    "choice": _choice_text,
    "multi_choice": _multi_choice_text,
    "country": lambda _item, v: f"{reference.country_name(v)} ({v})",
    "country_list": lambda _item, v: ", ".join(
        f"{reference.country_name(code)} ({code})" for code in v
    ),
    "language_list": lambda _item, v: ", ".join(
        f"{reference.language_name(code)} ({code})" for code in v
    ),
    "offered_accepted": _offered_accepted_text,
}


def _value_text(item: Field, value: Any) -> str:
    """The value in the active language (free text as written)."""
    show = _TEXT_OF_TYPE.get(item.type)
    return show(item, value) if show is not None else str(value)


def _state_note(state: str) -> Any:
    return {
        tn.WITHHELD: lambda: _("Withheld: consent and agreement do not allow this data."),
        tn.PENDING: lambda: _("Shown once the referral is accepted."),
        tn.HIDDEN: lambda: _("Not visible to your role."),
    }.get(state)


def _row(
    item: Field, value: Any, state: str, unknown: bool, a: str, b: str, kept: bool = False
) -> DocRow:
    row = DocRow(
        code=item.code,
        label=_both(a, b, lambda: item.label),
        state=state,
        unknown=unknown,
        kept=kept,
    )
    note = _state_note(state)
    if note is not None:
        row.value = _both(a, b, note)
        return row
    if not tn.has_value(value) or state != tn.VALUE:
        return row
    if item.type == "contact":
        for sub in item.subfields:
            if value.get(sub.code):
                row.parts.append((_both(a, b, lambda s=sub: s.label), str(value[sub.code])))
        return row
    if item.type == "text":
        row.text_lang = str(value.get("lang", "")) if isinstance(value, dict) else ""
    row.value = _both(a, b, lambda: _value_text(item, value))
    return row


def _chapters(definition: Template, rows_of: Any, a: str, b: str) -> list[DocChapter]:
    chapters = []
    for chapter in definition.chapters:
        sections = []
        for section in definition.chapter_sections(chapter.code):
            rows, missing, withheld = rows_of(section)
            sections.append(
                DocSection(
                    code=section.code,
                    heading=_both(a, b, lambda s=section: s.heading),
                    rows=rows,
                    missing=missing,
                    withheld=withheld,
                )
            )
        chapters.append(
            DocChapter(
                code=chapter.code,
                heading=_both(a, b, lambda c=chapter: c.heading),
                sections=sections,
            )
        )
    return chapters


def _notes(a: str, b: str) -> dict[str, Pair]:
    return {
        "unknown": _both(a, b, lambda: _("Field of the sender's country profile")),
        "missing": _both(a, b, lambda: _("Expected by your template but not received")),
        "withheld": _both(a, b, lambda: _("Section withheld")),
        "kept": _both(a, b, lambda: _("not sent")),
        "written_in": _both(a, b, lambda: _("written in")),
        "field": _both(a, b, lambda: _("Field")),
        "value": _both(a, b, lambda: _("Entry")),
        "reference": _both(a, b, lambda: _("Reference")),
        "from": _both(a, b, lambda: _("From")),
        "to": _both(a, b, lambda: _("To")),
        "profile": _both(a, b, lambda: _("Template profile")),
    }


def referral_document(view: tn.TemplateView) -> Document:
    instance = view.instance
    a, b = instance.sender_language, instance.receiver_language
    by_section = {s.section.code: s for s in view.sections}

    def rows_of(section: Any) -> tuple[list[DocRow], list[Pair], bool]:
        section_view = by_section[section.code]
        rows = [
            _row(cell.field, cell.value, cell.state, cell.unknown, a, b, cell.kept)
            for cell in section_view.cells
        ]
        missing = [_both(a, b, lambda f=f: f.label) for f in section_view.missing]
        return rows, missing, section_view.withheld

    referral = view.referral
    return Document(
        title=_both(a, b, lambda: view.definition.title),
        lang_a=a,
        lang_b=b,
        language_names=Pair(reference.language_name(a), reference.language_name(b)),
        chapters=_chapters(view.definition, rows_of, a, b),
        reference=referral.reference,
        sender=referral.sender_organisation.name,
        receiver=referral.receiver_organisation.name,
        profile=f"{instance.profile_country} v{instance.profile_version} · "
        f"template v{instance.template_version}",
        notes=_notes(a, b),
    )


def blank_document(definition: Template, a: str, b: str) -> Document:
    def rows_of(section: Any) -> tuple[list[DocRow], list[Pair], bool]:
        rows = []
        for item in section.fields:
            row = DocRow(code=item.code, label=_both(a, b, lambda i=item: i.label))
            row.options = [_both(a, b, lambda o=o: o.label) for o in item.options]
            row.parts = [(_both(a, b, lambda s=s: s.label), "") for s in item.subfields]
            if item.type == "yes_no":
                row.options = [_both(a, b, lambda: _("Yes")), _both(a, b, lambda: _("No"))]
            rows.append(row)
        return rows, [], False

    return Document(
        title=_both(a, b, lambda: definition.title),
        lang_a=a,
        lang_b=b,
        language_names=Pair(reference.language_name(a), reference.language_name(b)),
        chapters=_chapters(definition, rows_of, a, b),
        blank=True,
        notes=_notes(a, b),
    )


@dataclass(frozen=True)
class BlankField:
    """A line of a blank request form: its label and, for a choice, the options (lazy texts,
    rendered in both languages)."""

    code: str
    label: Any
    options: tuple[Any, ...] = ()


def _blank_section(
    code: str, heading: Any, fields: Sequence[BlankField], a: str, b: str
) -> DocSection:
    rows = [
        DocRow(
            code=item.code,
            label=_both(a, b, lambda i=item: i.label),
            options=[_both(a, b, lambda o=o: o) for o in item.options],
        )
        for item in fields
    ]
    return DocSection(
        code=code, heading=_both(a, b, lambda: heading), rows=rows, missing=[], withheld=False
    )


def blank_request_document(kind: str, asked: Sequence[BlankField], a: str, b: str) -> Document:
    """The blank form of a request kind: who sends it to whom, the fields the request form
    asks (``asked``) and the lines of the person this kind carries, in two languages."""
    label = ReferralKind(kind).label
    note = KIND_NOTES.get(kind)
    header = [
        BlankField("from", gettext_lazy("From")),
        BlankField("sender_contact", gettext_lazy("Contact person")),
        BlankField("to", gettext_lazy("To")),
        BlankField("date", gettext_lazy("Date")),
        BlankField("reference", gettext_lazy("Reference")),
    ]
    person = [BlankField(code, FIELDS[code].label) for code in KIND_FIELDS.get(kind, ())]
    sections = [
        _blank_section("header", gettext_lazy("Sender and receiver"), header, a, b),
        _blank_section("request", gettext_lazy("The request"), asked, a, b),
        _blank_section(
            "person",
            gettext_lazy("The person: only what this kind of request carries"),
            person,
            a,
            b,
        ),
    ]
    return Document(
        title=_both(a, b, lambda: label),
        lang_a=a,
        lang_b=b,
        language_names=Pair(reference.language_name(a), reference.language_name(b)),
        chapters=[
            DocChapter(
                code="request",
                heading=_both(a, b, lambda: _("Request to another country")),
                sections=sections,
            )
        ],
        blank=True,
        notes=_notes(a, b),
        description=_both(a, b, lambda: note) if note is not None else None,
    )


def parse_pair(pair: str) -> tuple[str, str]:
    """``sq-en`` -> ("sq", "en"): two of the node's languages."""
    languages = tn.node_languages()
    first, dash, second = (pair or "").partition("-")
    if not dash or first not in languages or second not in languages:
        raise ValidationError(
            {
                "pair": _("Choose two of the node's languages, e.g. %(example)s.")
                % {"example": f"{languages[1 % len(languages)]}-{languages[0]}"}
            }
        )
    return first, second


def _context(document: Document) -> dict[str, Any]:
    return {
        "document": document,
        "generated_at": timezone.now(),
        "node_name": getattr(settings, "OPENTRM_NODE_NAME", ""),
    }


def referral_print(*, actor: Actor, referral: Referral) -> Document:
    """The filled template for the browser (printable); audited as a print."""
    view = tn.template_view(actor, referral)
    if view is None:
        raise ValidationError({"__all__": _("This referral has no template.")})
    document = referral_document(view)
    record_event(
        event_type=EventType.REFERRAL_PRINTED,
        actor=actor,
        target=referral,
        detail={
            "referral": referral.reference,
            "format": "html",
            "languages": [document.lang_a, document.lang_b],
            "withheld_fields": len(view.withheld_codes()),
        },
    )
    return document


def referral_pdf(*, actor: Actor, referral: Referral) -> bytes:
    """The filled template as PDF; the file is made first, handed out after the audit."""
    view = tn.template_view(actor, referral)
    if view is None:
        raise ValidationError({"__all__": _("This referral has no template.")})
    document = referral_document(view)
    content = pdf.render("referrals/template_pdf.html", _context(document))
    record_event(
        event_type=EventType.REFERRAL_EXPORTED,
        actor=actor,
        target=referral,
        detail={
            "referral": referral.reference,
            "format": "pdf",
            "languages": [document.lang_a, document.lang_b],
            "withheld_fields": len(view.withheld_codes()),
        },
    )
    return content


def _blank_output(
    actor: Actor, document: Document, fmt: str, detail: dict[str, Any]
) -> tuple[Document, bytes | None]:
    """A blank document for the browser, or as PDF (``fmt == "pdf"``); audited either way."""
    content = None
    if fmt == "pdf":
        content = pdf.render("referrals/template_pdf.html", _context(document))
    record_event(
        event_type=EventType.REFERRAL_PRINTED if fmt != "pdf" else EventType.REFERRAL_EXPORTED,
        actor=actor,
        detail={
            "blank": True,
            "format": fmt,
            "languages": [document.lang_a, document.lang_b],
            **detail,
        },
    )
    return document, content


def blank_print(*, actor: Actor, pair: str, fmt: str = "html") -> tuple[Document, bytes | None]:
    """A blank template for a language pair, with the actor's country profile applied."""
    a, b = parse_pair(pair)
    return _blank_output(actor, blank_document(tn.own_definition(actor), a, b), fmt, {})


def blank_request_print(
    *, actor: Actor, kind: str, asked: Sequence[BlankField], pair: str, fmt: str = "html"
) -> tuple[Document, bytes | None]:
    """The blank form of a request kind for a language pair (it holds no personal data)."""
    if kind not in REQUEST_KINDS:
        raise ValidationError({"kind": _("Pick a kind of request from the list.")})
    a, b = parse_pair(pair)
    document = blank_request_document(kind, asked, a, b)
    return _blank_output(actor, document, fmt, {"kind": kind})


def document_context(document: Document) -> dict[str, Any]:
    return _context(document)
