"""Every importer, fed what a broken or hostile file can hold (issue 17 §9), property-based.

The property is the same for each: the file is imported, or refused with the importer's own
clear error; never another exception (a 500), and a refused file leaves nothing behind. The
exchange inbox has its own properties (opentrm/exchange/tests/test_inbox_properties.py).
"""

import csv
import io
import json
from typing import Any

import hypothesis
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck
from hypothesis import strategies as st

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.directory.importing import contacts_import
from opentrm.directory.importing.layout import COLUMNS, ContactImportError
from opentrm.directory.models import ContactPoint, Organisation
from opentrm.referrals.models import Referral
from opentrm.referrals.services.importing import referral_import
from opentrm.referrals.tests.test_import import FOREIGN, hand_filled

SETTINGS = hypothesis.settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False),
        st.text(max_size=40),
    ),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
CELL = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["AL", "ministry", "police", "yes", "no", "2025-01-10", "9999-99-99", "=1+1"]),
)
HEADER = list(COLUMNS)  # the importer's own layout


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _contacts_import_or_refuse(world: World, data: bytes) -> None:
    before = (Organisation.objects.count(), ContactPoint.objects.count())
    try:
        contacts_import(actor=world.actor(Role.DIRECTORY_EDITOR), data=data)
    except ContactImportError:
        assert (Organisation.objects.count(), ContactPoint.objects.count()) == before


def test_the_contact_importer_refuses_any_bytes_cleanly(world: World) -> None:
    @SETTINGS
    @hypothesis.given(data=st.binary(max_size=400))
    def check(data: bytes) -> None:
        _contacts_import_or_refuse(world, data)

    check()


def test_the_contact_importer_refuses_any_cells_cleanly(world: World) -> None:
    @SETTINGS
    @hypothesis.given(
        rows=st.lists(st.lists(CELL, min_size=0, max_size=len(HEADER) + 2), max_size=4)
    )
    def check(rows: list[list[str]]) -> None:
        _contacts_import_or_refuse(world, _csv(rows))

    check()


def _referral_import_or_refuse(world: World, data: bytes) -> None:
    before = Referral.objects.count()
    places: dict[str, list[str]] | None = None
    try:
        referral_import(actor=world.actor(Role.CASEWORKER), raw=data)
    except ValidationError as refusal:
        places = refusal.message_dict
    if places is not None:
        assert places  # the refusal says where
        assert Referral.objects.count() == before


def test_the_referral_importer_refuses_any_bytes_cleanly(world: World) -> None:
    @SETTINGS
    @hypothesis.given(data=st.binary(max_size=400))
    def check(data: bytes) -> None:
        _referral_import_or_refuse(world, data)

    check()


def test_the_referral_importer_refuses_any_value_in_any_field_cleanly(world: World) -> None:
    from opentrm.directory.models import Country

    Organisation.objects.create(country=Country.objects.create(code="MD"), name=FOREIGN)
    document = hand_filled(world)
    keys = sorted(document)

    @SETTINGS
    @hypothesis.given(key=st.sampled_from(keys), value=JSON)
    def check(key: str, value: Any) -> None:
        changed = dict(document, **{key: value})
        _referral_import_or_refuse(world, json.dumps(changed).encode())

    check()
