"""Synthetic register for load tests and benchmarks (``opentrm generate_data``, issue 18).

Every value is generated: names are built from short fictional syllables in four scripts
(Latin, Cyrillic, Greek, Arabic), never taken from a list of real people. Rows are written with
``bulk_create`` in chunks, one transaction per chunk, so a run can be stopped and the rows
written so far stay consistent. Distributions (``rng`` seeded, so a seed gives the same
register):

- organisations: three per country (a first point of notification, a shelter, the police),
  their share of the cases falling off as 1/rank (a few large owners, a long tail);
- persons: 15 % children, 10 % without a date of birth, one or two names, a third of them with
  a name in the script of their country and its Latin transliteration as an alias;
- cases: opened over ten years, recent years denser; identification and assistance statuses
  with realistic weights; a fifth shared with a second organisation;
- per case 0-8 measures, 0-4 tasks (60 % done), 1-2 consent records, and one audit event
  ("case registered") appended to the chain as ``record_event`` would, hashes and all.
"""

import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

COUNTRIES = ["AL", "RS", "MK", "XK", "GR", "RO", "BG", "UA", "MD", "TR"]
COUNTRY_WEIGHTS = [9, 8, 6, 5, 4, 6, 4, 7, 5, 3]
ORGANISATION_KINDS = [
    ("First Point", "ministry"),
    ("Shelter", "shelter"),
    ("Police Unit", "police"),
]
MEMBERS_PER_ORGANISATION = 5  # one case manager, four caseworkers

# Fictional syllables per script: names are two or three of them, never a real person's.
SYLLABLES = {
    "Latn": ["ar", "be", "ci", "do", "el", "fa", "gi", "ho", "il", "ja", "ke", "lo", "mi", "na"],
    "Cyrl": ["ар", "бе", "ви", "до", "ел", "жа", "зо", "ил", "ка", "ле", "ми", "но", "ра", "су"],
    "Grek": ["αρ", "βε", "γι", "δο", "ελ", "ζα", "θο", "ιλ", "κα", "λε", "μι", "νο", "ρα", "συ"],
    "Arab": ["ار", "بي", "تو", "جا", "دي", "را", "زو", "سا", "شي", "فا", "قو", "لي", "مو", "نا"],
}
_LATIN_OF = dict(
    zip(
        SYLLABLES["Cyrl"] + SYLLABLES["Grek"] + SYLLABLES["Arab"],
        SYLLABLES["Latn"] * 3,
        strict=True,
    )
)
NATIVE_SCRIPT = {"RS": "Cyrl", "MK": "Cyrl", "BG": "Cyrl", "UA": "Cyrl", "GR": "Grek"}
TASK_TITLES = ["Call back", "Review plan", "Send documents", "Book interpreter", "Follow-up visit"]
IDENTIFICATION_WEIGHTS = {
    "presumed": 45,
    "identified_informally": 15,
    "identified_formally": 20,
    "declined_formal": 4,
    "not_a_victim": 6,
    "at_risk": 10,
}


@dataclass
class Generated:
    """What a run wrote, and how long it took."""

    cases: int = 0
    persons: int = 0
    names: int = 0
    measures: int = 0
    tasks: int = 0
    consents: int = 0
    events: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # of this process only (on PostgreSQL the server's is not in it)

    @property
    def rate(self) -> float:
        """Cases per second."""
        return self.cases / self.seconds if self.seconds else 0.0


@dataclass
class _Node:
    owners: list[Any]  # organisations
    weights: list[float]
    managers: dict[int, list[Any]]  # organisation id -> users
    members: dict[int, list[Any]]
    measure_codes: list[str]


def _name(rng: random.Random, script: str) -> tuple[str, str]:
    """A fictional given name and surname in ``script``, and their Latin transliteration."""
    words = []
    latin = []
    for _part in range(2):
        chosen = [rng.choice(SYLLABLES[script]) for _ in range(rng.randint(2, 3))]
        words.append("".join(chosen).capitalize())
        latin.append("".join(_LATIN_OF.get(s, s) for s in chosen).capitalize())
    return " ".join(words), " ".join(latin)


def _node(rng: random.Random) -> _Node:
    """The countries, organisations and members the cases are spread over (made if missing)."""
    from opentrm.accounts.models import Membership, User
    from opentrm.accounts.roles import Role
    from opentrm.catalogue.loader import load_catalogue
    from opentrm.directory.models import Country, Organisation

    owners: list[Any] = []
    managers: dict[int, list[Any]] = {}
    members: dict[int, list[Any]] = {}
    for code in COUNTRIES:
        country, _created = Country.objects.get_or_create(code=code)
        for label, kind in ORGANISATION_KINDS:
            organisation, _created = Organisation.objects.get_or_create(
                country=country,
                name=f"Generated {label} {code}",
                defaults={"type": kind, "city": f"City {code}"},
            )
            owners.append(organisation)
            staff = []
            for n in range(MEMBERS_PER_ORGANISATION):
                user, created = User.objects.get_or_create(
                    username=f"gen.{code.lower()}.{kind}.{n}"
                )
                if created:
                    user.set_unusable_password()
                    user.save(update_fields=["password"])
                    role = Role.CASE_MANAGER if n == 0 else Role.CASEWORKER
                    Membership.objects.create(user=user, organisation=organisation, role=role)
                staff.append(user)
            managers[organisation.pk] = staff[:1]
            members[organisation.pk] = staff
    rng.shuffle(owners)
    weights = [1 / (rank + 1) for rank in range(len(owners))]
    codes = [measure.code for measure in load_catalogue().measures]
    return _Node(owners, weights, managers, members, codes)


def _person_rows(rng: random.Random, country: str, today: date) -> tuple[Any, list[Any]]:
    from opentrm.cases.models import Person, PersonName
    from opentrm.cases.models.person import AgeBand, NameKind, Sex

    roll = rng.random()
    if roll < 0.10:
        born = None
        band = rng.choice([AgeBand.UNKNOWN, AgeBand.OVER_18])
    else:
        age = rng.randint(8, 17) if roll < 0.25 else rng.randint(18, 60)
        born = today - timedelta(days=age * 365 + rng.randint(0, 364))
        band = AgeBand.UNDER_18 if age < 18 else AgeBand.OVER_18
    sex = rng.choices([Sex.FEMALE, Sex.MALE, Sex.UNKNOWN], weights=[62, 35, 3])[0]
    person = Person(sex=sex, date_of_birth=born, age_band=band)
    script = NATIVE_SCRIPT.get(country, "Latn")
    if rng.random() < 0.08:
        script = "Arab"
    native, latin = _name(rng, script)
    names = [PersonName(person=person, value=native, script=script, order=0)]
    if script != "Latn" and rng.random() < 0.33:
        names.append(
            PersonName(person=person, kind=NameKind.ALIAS, value=latin, script="Latn", order=1)
        )
    return person, names


def _opened_on(rng: random.Random, today: date) -> date:
    """Over ten years, recent years denser (a register that grows)."""
    return today - timedelta(days=min(int(rng.expovariate(1 / 900)), 3650))


def _chunk(rng: random.Random, node: _Node, first: int, size: int, done: Generated) -> None:
    from opentrm.cases.models import (
        Case,
        CaseCountry,
        CaseMeasure,
        CaseParticipant,
        ConsentRecord,
        Person,
        Task,
    )
    from opentrm.cases.services.registration import names_create

    today = timezone.localdate()
    now = timezone.now()
    owners = rng.choices(node.owners, weights=node.weights, k=size)
    people = [_person_rows(rng, owner.country.code, today) for owner in owners]
    persons = Person.objects.bulk_create([person for person, _names in people])
    for person, (_same, names) in zip(persons, people, strict=True):
        for name in names:
            name.person = person
    done.names += len(names_create(name for _person, names in people for name in names))
    statuses = list(IDENTIFICATION_WEIGHTS)
    weights = list(IDENTIFICATION_WEIGHTS.values())
    cases = Case.objects.bulk_create(
        Case(
            public_id=uuid.UUID(int=rng.getrandbits(128), version=4),
            number=f"{owner.country.code}-G-{first + n:08d}",
            person=person,
            owner_organisation=owner,
            opened_on=_opened_on(rng, today),
            identification_status=rng.choices(statuses, weights=weights)[0],
            notified_at=now,
        )
        for n, (owner, person) in enumerate(zip(owners, persons, strict=True))
    )
    rows = _Rows()
    for case, owner in zip(cases, owners, strict=True):
        _case_rows(rng, node, case, owner, rows)
    participants, countries, measures = rows.participants, rows.countries, rows.measures
    tasks, consents = rows.tasks, rows.consents
    CaseParticipant.objects.bulk_create(participants)
    CaseCountry.objects.bulk_create(countries)
    done.measures += len(CaseMeasure.objects.bulk_create(measures))
    done.tasks += len(Task.objects.bulk_create(tasks))
    done.consents += len(ConsentRecord.objects.bulk_create(consents))
    done.events += _audit_registrations(cases, owners, node)
    done.cases += len(cases)
    done.persons += len(persons)


@dataclass
class _Rows:
    """What one chunk's cases bring beside themselves, written in bulk."""

    participants: list[Any] = field(default_factory=list)
    countries: list[Any] = field(default_factory=list)
    measures: list[Any] = field(default_factory=list)
    tasks: list[Any] = field(default_factory=list)
    consents: list[Any] = field(default_factory=list)


def _case_rows(rng: random.Random, node: _Node, case: Any, owner: Any, rows: _Rows) -> None:
    """One case's participants, country of origin, measures, tasks and consents."""
    from opentrm.cases.models import CaseCountry, CaseMeasure, CaseParticipant, ConsentRecord, Task
    from opentrm.cases.models.case import CountryRole
    from opentrm.cases.models.measures import MeasureStatus
    from opentrm.cases.models.tasks import TaskSource

    today = timezone.localdate()
    now = timezone.now()
    participants, countries, measures = rows.participants, rows.countries, rows.measures
    tasks, consents = rows.tasks, rows.consents
    staff = node.members[owner.pk]
    participants.append(
        CaseParticipant(
            case=case,
            organisation=owner,
            case_manager=rng.choice(node.managers[owner.pk] + [None]),
            is_active=True,
        )
    )
    if rng.random() < 0.2:
        other = rng.choice([o for o in node.owners if o.pk != owner.pk])
        participants.append(CaseParticipant(case=case, organisation=other, is_active=True))
    countries.append(
        CaseCountry(
            case=case,
            country_code=rng.choices(COUNTRIES, weights=COUNTRY_WEIGHTS)[0],
            role=CountryRole.ORIGIN,
        )
    )
    for code in rng.sample(node.measure_codes, min(rng.randint(0, 8), len(node.measure_codes))):
        status = rng.choice(MeasureStatus.values)
        measures.append(
            CaseMeasure(
                case=case,
                code=code,
                status=status,
                responsible_organisation=owner,
                due_on=case.opened_on + timedelta(days=rng.randint(7, 90)),
            )
        )
    for t in range(rng.randint(0, 4)):
        tasks.append(
            Task(
                case=case,
                title=rng.choice(TASK_TITLES),
                assignee=rng.choice(staff),
                organisation=owner,
                due_on=today + timedelta(days=rng.randint(-60, 60)),
                done_at=now - timedelta(days=rng.randint(0, 60)) if rng.random() < 0.6 else None,
                source=TaskSource.MANUAL,
                source_key=str(t),
            )
        )
    for _consent in range(rng.randint(1, 2)):
        consents.append(
            ConsentRecord(
                case=case,
                purpose="share_data",
                recipient_country=rng.choice(COUNTRIES),
                decision=rng.choices(["given", "refused"], weights=[85, 15])[0],
                decided_on=case.opened_on,
                explained_in="en",
                information_given="Generated.",
                taken_by=staff[0],
                taken_for=owner,
            )
        )


def _audit_registrations(cases: list[Any], owners: list[Any], node: _Node) -> int:
    """One "case registered" event per case, chained as ``record_event`` chains them."""
    from opentrm.audit.chain import GENESIS_HASH, prepare_hash
    from opentrm.audit.events import EventType
    from opentrm.audit.models import AuditChainHead, AuditEvent

    now = timezone.now()
    events = []
    for case, owner in zip(cases, owners, strict=True):
        user = node.members[owner.pk][1]
        events.append(
            AuditEvent(
                occurred_at=now,
                event_type=EventType.CASE_REGISTERED.value,
                actor_id=user.pk,
                actor_label=user.username,
                organisation_id=owner.pk,
                organisation_label=owner.name,
                target_type="cases.case",
                target_id=str(case.pk),
                request_id="generate_data",
                changed_fields=["age_band", "names", "sex"],
                detail={},
            )
        )
    prepared = [prepare_hash(event) for event in events]
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        head = AuditChainHead.objects.create(pk=1, last_sequence=0, last_hash=GENESIS_HASH)
    for event, sealed in zip(events, prepared, strict=True):
        event.sequence = head.last_sequence + 1
        event.previous_hash = head.last_hash
        event.hash = sealed.seal(sequence=event.sequence, previous_hash=event.previous_hash)
        head.last_sequence, head.last_hash = event.sequence, event.hash
    AuditEvent.objects.bulk_create(events)
    head.save(update_fields=["last_sequence", "last_hash"])
    return len(events)


def generate(
    *,
    cases: int,
    seed: int,
    batch: int = 2000,
    progress: Callable[[Generated], None] | None = None,
) -> Generated:
    """Write ``cases`` generated cases with their persons, measures, tasks, consents and audit
    events; numbered after the generated cases already there."""
    from opentrm.cases.models import Case

    rng = random.Random(seed)
    started = time.monotonic()
    cpu = time.process_time()
    done = Generated()
    with transaction.atomic():
        node = _node(rng)
    first = Case.objects.filter(number__contains="-G-").count()
    for start in range(0, cases, batch):
        with transaction.atomic():
            _chunk(rng, node, first + start, min(batch, cases - start), done)
        done.seconds = time.monotonic() - started
        done.cpu_seconds = time.process_time() - cpu
        if progress is not None:
            progress(done)
    done.seconds = time.monotonic() - started
    done.cpu_seconds = time.process_time() - cpu
    return done
