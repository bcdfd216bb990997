"""More files the import refuses: each problem is named at its place in the file, nothing is
stored and no referral is audited as created."""

from typing import Any

import pytest

from conftest import World
from opentrm.directory.models import Organisation
from opentrm.referrals.tests import test_import as ti
from opentrm.referrals.tests.test_import import foreign, nothing_stored  # noqa: F401

SENT = "2026-01-10T10:00:00+00:00"


def _template(**changes: Any) -> Any:
    def change(content: dict[str, Any], world: World) -> None:
        content["template"].update(changes)

    return change


def _set(**changes: Any) -> Any:
    def change(content: dict[str, Any], world: World) -> None:
        content.update(changes)

    return change


def _own_sender(content: dict[str, Any], world: World) -> None:
    content["sender"] = {"organisation": world.agency_a.name, "country": "AL"}


def _request_for_a_document(content: dict[str, Any], world: World) -> None:
    content.update(kind="family_check", document_type="passport")
    del content["template"]


def _unshared_data(content: dict[str, Any], world: World) -> None:
    content["data"]["eye_colour"]["group"] = "assistance"


def _unshared_value(content: dict[str, Any], world: World) -> None:
    content["shared_groups"] = ["identity"]
    content["template"]["values"]["s3_2.medical_history"] = "Fictional"


@pytest.mark.usefixtures("nothing_stored")
@pytest.mark.parametrize(
    ("change", "place", "message"),
    [
        (_own_sender, "/sender/organisation", "your own organisation sent this referral."),
        (_set(sent_at="1999-05-01T10:00:00+00:00"), "/sent_at", "the date is not plausible."),
        (
            _set(sent_at=SENT, exported_at="2026-01-09T10:00:00+00:00"),
            "/sent_at",
            "the referral cannot have been sent after it was exported.",
        ),
        (
            _set(sent_at=SENT, acknowledge_by="2026-01-09 10:00:00"),
            "/acknowledge_by",
            "the date is before the referral was sent.",
        ),
        (
            _request_for_a_document,
            "/document_type",
            "only a document-issuance request asks for a document.",
        ),
        (_unshared_data, "/data/eye_colour/group", "the file does not share this group"),
        (
            _template(template_version=99),
            "/template/template_version",
            "unknown version of the template.",
        ),
        (
            _template(fields=[{"code": "s1_1.extra", "section": "s2_1", "type": "text"}]),
            "/template/fields/0",
            "not a valid added field",
        ),
        (
            _template(fields=[{"code": "s99.x", "section": "s99", "type": "text"}]),
            "/template/fields/0/section",
            "no such section.",
        ),
        (
            _unshared_value,
            "/template/values/s3_2.medical_history",
            "the file does not share the group “health”",
        ),
    ],
)
def test_a_file_with_a_problem_is_refused_at_its_place(
    world: World, change: Any, place: str, message: str
) -> None:
    content = ti.hand_filled(world)
    change(content, world)
    errors = ti.refused(ti.importer(world), ti.raw(content))
    assert message in " ".join(errors[place])


@pytest.mark.usefixtures("nothing_stored")
def test_a_sender_no_longer_active_is_refused(world: World) -> None:
    Organisation.objects.filter(name=ti.FOREIGN).update(is_active=False)
    errors = ti.refused(ti.importer(world), ti.raw(ti.hand_filled(world)))
    assert errors["/sender/organisation"] == [
        "/sender/organisation: the organisation is no longer active."
    ]
