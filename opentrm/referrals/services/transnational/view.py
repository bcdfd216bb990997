"""What one actor sees of the template: the sender's working copy or the receiver's gated
snapshot."""

from dataclasses import dataclass
from typing import Any

from opentrm.accounts.policy import Access, Actor, FieldGroup
from opentrm.cases.access import group_access, sharing_with
from opentrm.referrals.access import can_edit_template_field
from opentrm.referrals.models import (
    Referral,
    ReferralStatus,
    TemplateInstance,
)
from opentrm.referrals.services.transnational.definition import (
    AFTER_ACCEPTANCE,
    instance_definition,
    own_definition,
    receiver_groups,
    side_of,
)
from opentrm.referrals.services.transnational.values import has_value
from opentrm.referrals.template import loader
from opentrm.referrals.template.loader import EXPLOITATION, ORIGIN, Field, Template

S = ReferralStatus

# --- what one actor sees of the template ------------------------------------------------------

VALUE, EMPTY, WITHHELD, PENDING, HIDDEN = "value", "empty", "withheld", "pending", "hidden"


@dataclass(frozen=True)
class Cell:
    field: Field
    value: Any
    state: str  # VALUE, EMPTY, WITHHELD (the gate), PENDING (before accepting), HIDDEN (role)
    editable: bool
    unknown: bool  # added by the sender's profile; not in the viewer's own template
    # The sender's own value that the gate keeps back: shown to the owner, never sent.
    kept: bool = False


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
    def kept_count(self) -> int:
        """The sender's fields of the section that the gate keeps back (they stay here)."""
        return sum(1 for cell in self.cells if cell.kept)

    @property
    def kept(self) -> bool:
        """Nothing of the section leaves: the gate keeps back every field (the sender's view)."""
        return bool(self.cells) and self.kept_count == len(self.cells)

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
            if cell.state in (WITHHELD, PENDING) or cell.kept
        ]


def template_view(actor: Actor, referral: Referral) -> TemplateView | None:
    """The template as ``actor`` may see it. The sender sees its working copy, every value of
    it: the gate decides what leaves, never what the owner sees of its own case, so a field
    the gate keeps back (before sending: would keep back) is shown and marked ``kept``. The
    receiver sees the sent snapshot narrowed by today's consent and agreements, nothing
    personal before accepting."""
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
    source, gate, withheld_codes = _source(referral, side, data)
    accepted = referral.status in AFTER_ACCEPTANCE or referral.status == S.CLOSED
    sections: list[SectionView] = []
    for section in definition.sections:
        cells: list[Cell] = []
        for item in section.fields:
            kept = False
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
            elif group is not None and side == EXPLOITATION and item.group not in gate:
                # the owner sees its own value; the gate only keeps it from leaving
                value = source.get(item.code)
                state = VALUE if has_value(value) else EMPTY
                kept = True
            elif group is not None and (item.code in withheld_codes or item.group not in gate):
                value, state = None, WITHHELD
            else:
                value = source.get(item.code)
                state = VALUE if has_value(value) else EMPTY
            if role < Access.VIEW:
                value, state = None, HIDDEN
            cells.append(
                Cell(
                    field=item,
                    value=value if state == VALUE else None,
                    state=state,
                    editable=can_edit_template_field(actor, referral, item) and role >= Access.EDIT,
                    unknown=own.field(item.code) is None,
                    kept=kept and state != HIDDEN,
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


def _source(
    referral: Referral, side: str, data: dict[str, Any]
) -> tuple[dict[str, Any], frozenset[str], frozenset[str]]:
    """(values, groups the gate lets through, withheld codes) the side reads: the sender its
    working copy (before sending: the groups the gate would allow today), the receiver the
    sent snapshot narrowed by today's gate."""
    sent = data.get("sent") or {}
    if side == EXPLOITATION:
        case = referral.case
        assert case is not None  # only imported referrals have none, and their sender is abroad
        if referral.status == S.DRAFT:
            gate = frozenset(
                g.value for g in sharing_with(case, referral.receiver_organisation).groups
            )
        else:
            gate = frozenset(sent.get("groups") or [])
        return data.get("values") or {}, gate, frozenset()
    return (
        sent.get("values") or {},
        receiver_groups(referral),
        frozenset(sent.get("withheld") or []),
    )
