"""Importing a referral file at more edges: an immediate-danger request is immediate whatever
urgency the file states, and a referral made here has nothing imported; the template's added
field in a section the template does not have is refused with its place, one in a known section
is kept with its value, a value of a field the sender's profile switched off is not kept, a
value of an unknown field in a known section is kept as text, and an empty value is not
stored. Fictional data only."""

from typing import Any

from conftest import World
from opentrm.directory.models import Organisation
from opentrm.referrals.models import Referral, Urgency
from opentrm.referrals.services import importing
from opentrm.referrals.services.import_file import Problems
from opentrm.referrals.tests.test_import import foreign, hand_filled, importer, raw

__all__ = ["foreign"]  # the fixture


def test_an_immediate_danger_request_is_imported_as_immediate(
    world: World, foreign: Organisation
) -> None:
    content = hand_filled(world, kind="immediate_danger", urgency="routine")
    del content["template"]
    referral = importing.referral_import(actor=importer(world), raw=raw(content))
    assert referral.urgency == Urgency.IMMEDIATE
    imported = importing.imported_of(referral)
    assert imported is not None
    assert imported["reference"] == "MD-2026-17"
    made_here = Referral.objects.create(
        reference="REF-AL-2026-000999",
        kind="family_check",
        sender_organisation=world.agency_a,
        receiver_country="RO",
        receiver_organisation=world.agency_b,
    )
    assert importing.imported_of(made_here) is None  # not imported: nothing from a file


def _check(template: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    problems = Problems()
    groups = frozenset({"identity", "contact", "assistance", "travel", "health"})
    stored = importing._check_template(template, groups, "ro", problems)
    return stored, problems.items


def test_the_template_keeps_what_this_node_can_show_and_names_the_rest() -> None:
    stored, problems = _check(
        {
            "template_version": 1,
            "fields": [
                {"code": "s99.extra", "section": "s99", "type": "text"},
                {"code": "s1_1.nickname", "section": "s1_1", "type": "text", "group": "identity"},
                # a field the template has already: not added a second time
                {"code": "s1_1.name", "section": "s1_1", "type": "text", "group": "identity"},
            ],
            "disabled": ["s1_1.place_of_birth"],
            "values": {
                "s1_1.place_of_birth": "Fictional town",  # switched off: not shown
                "s1_1.shoe_size": 38,  # unknown field of a known section: kept as text
                "s1_1.name": "",  # empty: nothing stored
                "s1_1.nickname": {"text": "Fictional Mira", "lang": "ro"},  # the added field
            },
        }
    )
    assert problems == [("/template/fields/0/section", "no such section.")]
    assert stored["disabled"] == ["s1_1.place_of_birth"]
    assert "s1_1.place_of_birth" not in stored["values"]
    assert "s1_1.name" not in stored["values"]
    assert stored["values"]["s1_1.shoe_size"]["text"] == "38"
    assert stored["values"]["s1_1.nickname"]["text"] == "Fictional Mira"
    assert [f["code"] for f in stored["fields"]] == ["s1_1.nickname", "s1_1.shoe_size"]
