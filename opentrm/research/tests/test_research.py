"""Research datasets end to end: who makes them, what is stored and audited, and that the
synthetic dataset holds no copy of a record unique in the real data."""

import csv
import io
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from conftest import World
from opentrm.accounts.models import User
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case
from opentrm.cases.models.case import IdentificationStatus
from opentrm.core.errors import DomainError
from opentrm.research import services, synthetic
from opentrm.research.fictional import fictional_cases
from opentrm.research.layout import QUASI_IDENTIFIERS
from opentrm.research.models import ResearchDataset
from opentrm.research.selectors import case_counts

Login = Callable[[User], Client]


def _records(content: bytes) -> Counter[tuple[str, ...]]:
    rows = csv.DictReader(io.StringIO(content.decode("utf-8")))
    return Counter(tuple(row[c] for c in QUASI_IDENTIFIERS) for row in rows)


@pytest.fixture
def register(world: World) -> int:
    return fictional_cases(world.agency_a, 600)


def test_the_synthetic_dataset_holds_no_record_unique_in_the_real_data(
    world: World, register: int, login: Login
) -> None:
    real = case_counts(world.country_a.pk)
    assert sum(real.values()) == register
    real_uniques = {key for key, n in real.items() if n == 1}
    assert real_uniques  # the register has persons a combination singles out

    dataset = services.synthetic_generate(actor=world.actor(Role.STATISTICIAN), epsilon=4.0)

    made = _records(services.read_csv(dataset))
    assert not set(made) & real_uniques
    assert sum(made.values()) == dataset.records_out > register * 0.8
    assert dataset.epsilon == 4.0
    assert dataset.parameters["synthesizer"].startswith("pac-synth ")
    columns = [row["column"] for row in dataset.utility]
    assert columns == list(synthetic.SYNTH_COLUMNS)
    assert all(0 <= row["total_variation"] <= 1 for row in dataset.utility)
    page = login(world.user(Role.STATISTICIAN)).get(reverse("research:dataset_list"))
    assert "Total variation distance" in page.content.decode()
    assert "citizenship" in page.content.decode()


def test_a_synthetic_copy_of_a_real_unique_record_is_dropped_and_counted() -> None:
    unique, common = ("2024", "Male", "NG"), ("2024", "Female", "AL")
    kept, dropped = synthetic.drop_real_uniques(
        Counter({unique: 2, common: 5}), Counter({unique: 1, common: 30})
    )
    assert (dict(kept), dropped) == ({common: 5}, 2)


def test_too_few_cases_for_a_synthetic_dataset_is_refused_and_nothing_stored(
    world: World,
) -> None:
    fictional_cases(world.agency_a, 20)
    with pytest.raises(DomainError, match="at least 100 records"):
        services.synthetic_generate(actor=world.actor(Role.NATIONAL_COORDINATOR))
    assert not ResearchDataset.objects.exists()


def test_the_kanon_export_counts_victims_of_the_country_only(world: World) -> None:
    fictional_cases(world.agency_a, 30, seed=1)
    fictional_cases(world.agency_c, 10, seed=2, first_number=100)  # another org, same country
    fictional_cases(world.agency_b, 50, seed=3, first_number=200)  # country B
    Case.objects.filter(number="R-00000000").update(deleted_at="2026-01-01T00:00:00Z")
    Case.objects.filter(number="R-00000001").update(
        identification_status=IdentificationStatus.NOT_A_VICTIM
    )

    dataset = services.kanon_generate(actor=world.actor(Role.NATIONAL_COORDINATOR), k=5)

    assert dataset.records_in == 38
    assert dataset.records_out + dataset.suppressed == 38
    assert all(n >= 5 for n in _records(services.read_csv(dataset)).values())


def test_only_coordinators_and_statisticians_generate(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.kanon_generate(actor=world.actor(Role.CASE_MANAGER))


def test_the_page_generates_lists_and_downloads_and_each_step_is_audited(
    world: World, register: int, login: Login
) -> None:
    client = login(world.user(Role.NATIONAL_COORDINATOR))
    url = reverse("research:dataset_list")

    response = client.post(url, {"kind": "kanon", "k": "11"}, follow=True)
    assert "Dataset generated" in response.content.decode()
    dataset = ResearchDataset.objects.get()
    assert f"dataset-{dataset.pk}" in response.content.decode()
    event = AuditEvent.objects.get(event_type=EventType.RESEARCH_DATASET_GENERATED)
    assert event.detail == {
        "kind": "kanon",
        "country": "AL",
        "k": 11,
        "records_in": 600,
        "records_out": dataset.records_out,
        "suppressed": dataset.suppressed,
        "generalised": dataset.parameters["generalised"],
    }
    assert event.actor_id == world.user(Role.NATIONAL_COORDINATOR).pk

    download = client.get(reverse("research:dataset_download", args=[dataset.pk]))
    assert download["Content-Type"].startswith("text/csv")
    assert "attachment" in download["Content-Disposition"]
    records = _records(download.content)
    assert sum(records.values()) == dataset.records_out
    assert min(records.values()) >= 11
    assert AuditEvent.objects.filter(event_type=EventType.RESEARCH_DATASET_DOWNLOADED).count() == 1


def test_a_bad_k_is_refused_on_the_page_and_nothing_made(world: World, login: Login) -> None:
    client = login(world.user(Role.STATISTICIAN))
    response = client.post(reverse("research:dataset_list"), {"kind": "kanon", "k": "1"})
    assert response.status_code == 200
    assert "Not saved" in response.content.decode()
    assert not ResearchDataset.objects.exists()


def test_another_countrys_statistician_does_not_see_the_dataset(world: World, login: Login) -> None:
    fictional_cases(world.agency_a, 30)
    dataset = services.kanon_generate(actor=world.actor(Role.STATISTICIAN), k=2)
    other = login(world.user(Role.STATISTICIAN, org="b"))

    assert other.get(reverse("research:dataset_download", args=[dataset.pk])).status_code == 404
    listed = other.get(reverse("research:dataset_list")).content.decode()
    assert f"dataset-{dataset.pk}" not in listed


def test_the_command_generates_as_a_member_and_writes_the_csv(
    world: World, register: int, tmp_path: Path
) -> None:
    output = tmp_path / "kanon.csv"
    call_command(
        "research_export",
        "--kind",
        "kanon",
        "--as",
        world.user(Role.STATISTICIAN).username,
        "--k",
        "15",
        "--output",
        str(output),
    )
    dataset = ResearchDataset.objects.get()
    assert (dataset.k, dataset.recorded_by) == (15, world.user(Role.STATISTICIAN))
    assert sum(_records(output.read_bytes()).values()) == dataset.records_out


def test_a_dataset_of_another_country_is_not_handed_out_and_nothing_is_audited(
    world: World,
) -> None:
    fictional_cases(world.agency_a, 30, seed=1)
    dataset = services.kanon_generate(actor=world.actor(Role.NATIONAL_COORDINATOR), k=5)
    with pytest.raises(PermissionDenied):
        services.download(actor=world.actor(Role.NATIONAL_COORDINATOR, org="b"), dataset=dataset)
    assert not AuditEvent.objects.filter(event_type=EventType.RESEARCH_DATASET_DOWNLOADED).exists()
    assert services.download(actor=world.actor(Role.NATIONAL_COORDINATOR), dataset=dataset)


def test_a_coordinator_cannot_export_another_country(world: World) -> None:
    fictional_cases(world.agency_b, 30, seed=3)
    with pytest.raises(PermissionDenied):
        services.kanon_generate(
            actor=world.actor(Role.NATIONAL_COORDINATOR), country=world.country_b
        )
    assert not ResearchDataset.objects.exists()


def test_the_operator_exports_a_named_country_and_must_name_one(world: World) -> None:
    fictional_cases(world.agency_b, 30, seed=3)
    with pytest.raises(DomainError, match="No country to export"):
        services.kanon_generate(actor=None, k=5)
    dataset = services.kanon_generate(actor=None, k=5, country=world.country_b)
    assert (dataset.country, dataset.records_in, dataset.recorded_by) == (world.country_b, 30, None)
    event = AuditEvent.objects.get(event_type=EventType.RESEARCH_DATASET_GENERATED)
    assert event.detail["country"] == "RO"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda actor: services.kanon_generate(actor=actor, k=1), "k must be between 2 and 1000"),
        (
            lambda actor: services.kanon_generate(actor=actor, max_suppression=1.5),
            "The share of records left out must be between 0 and 1",
        ),
        (
            lambda actor: services.synthetic_generate(actor=actor, epsilon=0),
            "Epsilon must be above 0 and at most 50",
        ),
    ],
    ids=["k", "suppression", "epsilon"],
)
def test_out_of_range_parameters_are_refused_and_nothing_is_made(
    world: World, make: Callable[[object], object], message: str
) -> None:
    with pytest.raises(DomainError, match=message):
        make(world.actor(Role.NATIONAL_COORDINATOR))
    assert not ResearchDataset.objects.exists()
