"""Synthetic register for load tests and benchmarks (``opentrm generate_data``, issue 18).

Every value is generated: names are built from short fictional syllables in four scripts
(Latin, Cyrillic, Greek, Arabic), never taken from a list of real people. The rows are plain
tuples written straight to the tables (``generator_rows``: ``COPY`` on PostgreSQL), never
model objects, in chunks of ``batch`` cases, one transaction per chunk, so a run can be stopped
and the rows written so far stay consistent; ``jobs`` processes share the chunks. Each chunk
draws from its own generator seeded by the seed and the chunk's index, so a seed (and a batch
size) gives the same register whatever the number of jobs; only the public ids are random
(``uuid4``, as the application draws them), so the same seed run twice adds cases with the
same contents under other numbers and ids. Distributions:

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
import resource
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from opentrm.cases.generator_jobs import in_processes
from opentrm.cases.generator_rows import Row, Table, take_ids, write

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
_STATUSES = list(IDENTIFICATION_WEIGHTS)
_STATUS_WEIGHTS = list(IDENTIFICATION_WEIGHTS.values())
_MEASURE_STATUSES = ["planned", "in_progress", "done", "not_applicable"]
_SEXES = ["female", "male", "unknown"]
_TARGET = "TARGET"  # stands for the case id in an owner's prepared audit hash


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
    cpu_seconds: float = 0.0  # of the generating processes (the server's is not in it)

    @property
    def rate(self) -> float:
        """Cases per second."""
        return self.cases / self.seconds if self.seconds else 0.0

    def add(self, other: "Generated") -> None:
        for name in ("cases", "persons", "names", "measures", "tasks", "consents", "events"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class _Owner:
    """An organisation cases are spread over, as plain values (no model objects)."""

    pk: int
    name: str
    country: str
    managers: tuple[int | None, ...]  # a case manager, or none
    staff: tuple[int, ...]  # its members' user ids
    registrar: tuple[int, str]  # who registers its cases: user id and username


@dataclass
class _Node:
    owners: list[_Owner]
    weights: list[float]
    measure_codes: list[str]
    others: dict[int, list[_Owner]] = field(default_factory=dict)  # pk -> the other owners

    def __post_init__(self) -> None:
        self.others = {o.pk: [p for p in self.owners if p.pk != o.pk] for o in self.owners}


def _name(rng: random.Random, script: str) -> tuple[str, str]:
    """A fictional given name and surname in ``script``, and their Latin transliteration."""
    words = []
    latin = []
    syllables = SYLLABLES[script]
    for _part in range(2):
        chosen = [rng.choice(syllables) for _ in range(rng.randint(2, 3))]
        words.append("".join(chosen).capitalize())
        latin.append("".join(_LATIN_OF.get(s, s) for s in chosen).capitalize())
    return " ".join(words), " ".join(latin)


def _node(rng: random.Random) -> _Node:
    """The countries, organisations and members the cases are spread over (made if missing)."""
    from opentrm.accounts.models import Membership, User
    from opentrm.accounts.roles import Role
    from opentrm.catalogue.loader import load_catalogue
    from opentrm.directory.models import Country, Organisation

    owners: list[_Owner] = []
    for code in COUNTRIES:
        country, _created = Country.objects.get_or_create(code=code)
        for label, kind in ORGANISATION_KINDS:
            organisation, _created = Organisation.objects.get_or_create(
                country=country,
                name=f"Generated {label} {code}",
                defaults={"type": kind, "city": f"City {code}"},
            )
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
            owners.append(
                _Owner(
                    pk=organisation.pk,
                    name=organisation.name,
                    country=code,
                    managers=(staff[0].pk, None),
                    staff=tuple(user.pk for user in staff),
                    registrar=(staff[1].pk, staff[1].username),
                )
            )
    rng.shuffle(owners)
    weights = [1 / (rank + 1) for rank in range(len(owners))]
    codes = [measure.code for measure in load_catalogue().measures]
    return _Node(owners, weights, codes)


@dataclass
class _Chunk:
    """One chunk's rows, the given columns of each table in the order its ``Table`` names."""

    persons: list[Row] = field(default_factory=list)
    names: list[Row] = field(default_factory=list)
    keys: list[Row] = field(default_factory=list)
    cases: list[Row] = field(default_factory=list)
    participants: list[Row] = field(default_factory=list)
    countries: list[Row] = field(default_factory=list)
    measures: list[Row] = field(default_factory=list)
    tasks: list[Row] = field(default_factory=list)
    consents: list[Row] = field(default_factory=list)


@dataclass(frozen=True)
class _Day:
    """The dates and times a chunk's rows are drawn from."""

    today: date
    now: datetime
    task_due: list[date]  # today - 60 days ... today + 60 days
    done_at: list[datetime]  # now, now - 1 day, ... now - 60 days

    @classmethod
    def of(cls, today: date, now: datetime) -> "_Day":
        return cls(
            today,
            now,
            [today + timedelta(days=d) for d in range(-60, 61)],
            [now - timedelta(days=d) for d in range(61)],
        )


def _persons(rng: random.Random, owners: list[_Owner], today: date) -> list[Row]:
    """Per case: (public_id, sex, date of birth, age band, [(kind, value, script, order)])."""
    drafts: list[Row] = []
    for owner in owners:
        roll = rng.random()
        if roll < 0.10:
            born = None
            band = rng.choice(["unknown", "over_18"])
        else:
            age = rng.randint(8, 17) if roll < 0.25 else rng.randint(18, 60)
            born = today - timedelta(days=age * 365 + rng.randint(0, 364))
            band = "under_18" if age < 18 else "over_18"
        sex = rng.choices(_SEXES, weights=[62, 35, 3])[0]
        script = NATIVE_SCRIPT.get(owner.country, "Latn")
        if rng.random() < 0.08:
            script = "Arab"
        native, latin = _name(rng, script)
        names = [("name", native, script, 0)]
        if script != "Latn" and rng.random() < 0.33:
            names.append(("alias", latin, "Latn", 1))
        drafts.append((uuid.uuid4(), sex, born, band, names))
    return drafts


def _people_rows(drafts: list[Row], person_ids: list[int], rows: _Chunk) -> None:
    """The persons, their names and the names' search keys (as ``names_create`` keys them)."""
    from opentrm.core.text import search_words

    names = [
        (person, name)
        for person, draft in zip(person_ids, drafts, strict=True)
        for name in draft[4]
    ]
    name_ids = take_ids(_tables().name, len(names))
    for person, draft in zip(person_ids, drafts, strict=True):
        rows.persons.append((person, draft[0], draft[1], draft[2], draft[3]))
    for name_id, (person, (kind, value, script, order)) in zip(name_ids, names, strict=True):
        rows.names.append((name_id, person, kind, value, script, order))
        rows.keys.extend((name_id, person, word) for word in search_words(value))


def _case_rows(
    rng: random.Random, node: _Node, case: int, opened: date, owner: _Owner, day: _Day, rows: _Chunk
) -> None:
    """One case's participants, country of origin, measures, tasks and consents (no ids)."""
    rows.participants.append((case, owner.pk, rng.choice(owner.managers), True))
    if rng.random() < 0.2:
        other = rng.choice(node.others[owner.pk])
        rows.participants.append((case, other.pk, None, True))
    country = rng.choices(COUNTRIES, weights=COUNTRY_WEIGHTS)[0]
    rows.countries.append((case, country, "origin"))
    codes = node.measure_codes
    for code in rng.sample(codes, min(rng.randint(0, 8), len(codes))):
        status = rng.choice(_MEASURE_STATUSES)
        due = opened + timedelta(days=rng.randint(7, 90))
        rows.measures.append((case, code, status, owner.pk, due))
    staff = owner.staff
    for t in range(rng.randint(0, 4)):
        title = rng.choice(TASK_TITLES)
        assignee = rng.choice(staff)
        due = day.task_due[rng.randint(-60, 60) + 60]
        done_at = day.done_at[rng.randint(0, 60)] if rng.random() < 0.6 else None
        rows.tasks.append((case, title, assignee, owner.pk, due, done_at, "manual", str(t)))
    for _consent in range(rng.randint(1, 2)):
        recipient = rng.choice(COUNTRIES)
        decision = rng.choices(["given", "refused"], weights=[85, 15])[0]
        rows.consents.append(
            (
                case,
                "share_data",
                recipient,
                decision,
                opened,
                "en",
                "Generated.",
                staff[0],
                owner.pk,
            )
        )


def _chunk_rows(
    rng: random.Random, node: _Node, first: int, size: int, day: _Day
) -> tuple[_Chunk, list[tuple[int, _Owner]]]:
    """A chunk's rows, and its cases' ids with their owners (for the audit events)."""
    tables = _tables()
    owners = rng.choices(node.owners, weights=node.weights, k=size)
    drafts = _persons(rng, owners, day.today)
    rows = _Chunk()
    person_ids = take_ids(tables.person, size)
    _people_rows(drafts, person_ids, rows)
    case_ids = take_ids(tables.case, size)
    for n, (case, owner, person) in enumerate(zip(case_ids, owners, person_ids, strict=True)):
        public_id = uuid.uuid4()  # not drawn: a seed run twice adds other cases
        opened = day.today - timedelta(days=min(int(rng.expovariate(1 / 900)), 3650))
        status = rng.choices(_STATUSES, weights=_STATUS_WEIGHTS)[0]
        number = f"{owner.country}-G-{first + n:08d}"
        rows.cases.append((case, public_id, number, person, owner.pk, opened, status, day.now))
        _case_rows(rng, node, case, opened, owner, day, rows)
    return rows, list(zip(case_ids, owners, strict=True))


def _with_ids(table: Table, rows: list[Row]) -> list[Row]:
    return [(pk, *row) for pk, row in zip(take_ids(table, len(rows)), rows, strict=True)]


def _write_chunk(rows: _Chunk, now: datetime) -> None:
    tables = _tables()
    write(tables.person, rows.persons, now)
    write(tables.name, rows.names, now)
    write(tables.key, _with_ids(tables.key, rows.keys), now)
    write(tables.case, rows.cases, now)
    write(tables.participant, _with_ids(tables.participant, rows.participants), now)
    write(tables.country, _with_ids(tables.country, rows.countries), now)
    write(tables.measure, _with_ids(tables.measure, rows.measures), now)
    write(tables.task, _with_ids(tables.task, rows.tasks), now)
    write(tables.consent, _with_ids(tables.consent, rows.consents), now)


def _chunk(rng: random.Random, node: _Node, first: int, size: int) -> Generated:
    """Write one chunk of ``size`` cases numbered from ``first``, in the caller's transaction."""
    day = _Day.of(timezone.localdate(), timezone.now())
    rows, registered = _chunk_rows(rng, node, first, size, day)
    _write_chunk(rows, day.now)
    events = _audit_registrations(registered, day.now)
    return Generated(
        cases=len(rows.cases),
        persons=len(rows.persons),
        names=len(rows.names),
        measures=len(rows.measures),
        tasks=len(rows.tasks),
        consents=len(rows.consents),
        events=events,
    )


@dataclass(frozen=True)
class _Tables:
    person: Table
    name: Table
    key: Table
    case: Table
    participant: Table
    country: Table
    measure: Table
    task: Table
    consent: Table
    event: Table


_TABLES: list[_Tables] = []


def _tables() -> _Tables:
    """The tables the generator fills and the columns it gives (made once)."""
    if _TABLES:
        return _TABLES[0]
    from opentrm.audit.models import AuditEvent
    from opentrm.cases import models as m

    tables = _Tables(
        person=Table(m.Person, "id public_id sex date_of_birth age_band"),
        name=Table(m.PersonName, "id person_id kind value script order"),
        key=Table(m.PersonNameKey, "id name_id person_id key"),
        case=Table(
            m.Case,
            "id public_id number person_id owner_organisation_id opened_on "
            "identification_status notified_at",
        ),
        participant=Table(
            m.CaseParticipant, "id case_id organisation_id case_manager_id is_active"
        ),
        country=Table(m.CaseCountry, "id case_id country_code role"),
        measure=Table(m.CaseMeasure, "id case_id code status responsible_organisation_id due_on"),
        task=Table(
            m.Task,
            "id case_id title assignee_id organisation_id due_on done_at source source_key",
        ),
        consent=Table(
            m.ConsentRecord,
            "id case_id purpose recipient_country decision decided_on explained_in "
            "information_given taken_by_id taken_for_id",
        ),
        event=Table(
            AuditEvent,
            "id sequence occurred_at event_type actor_id actor_label organisation_id "
            "organisation_label target_type target_id request_id previous_hash hash",
            constants={"changed_fields": ["age_band", "names", "sex"], "detail": {}},
        ),
    )
    _TABLES.append(tables)
    return tables


def _prepared_hashes(owners: set[_Owner], now: datetime) -> dict[int, Any]:
    """Per owner, its "case registered" event's hash prepared with the case id left open."""
    from opentrm.audit.chain import prepare_hash
    from opentrm.audit.events import EventType
    from opentrm.audit.models import AuditEvent

    prepared = {}
    for owner in owners:
        user_id, username = owner.registrar
        template = AuditEvent(
            occurred_at=now,
            event_type=EventType.CASE_REGISTERED.value,
            actor_id=user_id,
            actor_label=username,
            organisation_id=owner.pk,
            organisation_label=owner.name,
            target_type="cases.case",
            target_id=_TARGET,
            request_id="generate_data",
            changed_fields=_tables().event.constants["changed_fields"],
            detail={},
        )
        prepared[owner.pk] = prepare_hash(template)
    return prepared


def _audit_registrations(registered: list[tuple[int, _Owner]], now: datetime) -> int:
    """One "case registered" event per case, chained as ``record_event`` chains them."""
    from dataclasses import replace

    from opentrm.audit.chain import GENESIS_HASH
    from opentrm.audit.events import EventType
    from opentrm.audit.models import AuditChainHead

    table = _tables().event
    prepared = _prepared_hashes({owner for _case, owner in registered}, now)
    event_type = EventType.CASE_REGISTERED.value
    ids = take_ids(table, len(registered))
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        head = AuditChainHead.objects.create(pk=1, last_sequence=0, last_hash=GENESIS_HASH)
    sequence, last = head.last_sequence, head.last_hash
    rows = []
    for pk, (case, owner) in zip(ids, registered, strict=True):
        sealed = prepared[owner.pk]
        target = str(case)
        after = sealed.after_sequence.replace(f'"{_TARGET}"', f'"{target}"', 1)
        sequence += 1
        digest = replace(sealed, after_sequence=after).seal(sequence=sequence, previous_hash=last)
        user_id, username = owner.registrar
        rows.append(
            (pk, sequence, now, event_type, user_id, username, owner.pk, owner.name,
             "cases.case", target, "generate_data", last, digest)
        )  # fmt: skip
        last = digest
    write(table, rows, now)
    head.last_sequence, head.last_hash = sequence, last
    head.save(update_fields=["last_sequence", "last_hash"])
    return len(rows)


def _chunk_rng(seed: int, index: int) -> random.Random:
    return random.Random(f"generate_data:{seed}:{index}")


def _run(
    node: _Node,
    seed: int,
    first: int,
    plan: list[tuple[int, int, int]],
    report: Callable[[Generated], None],
) -> None:
    """Write the chunks of ``plan`` (index, first case number, size), each in its transaction."""
    for index, number, size in plan:
        with transaction.atomic():
            done = _chunk(_chunk_rng(seed, index), node, first + number, size)
        report(done)


def generate(
    *,
    cases: int,
    seed: int,
    batch: int = 2000,
    jobs: int = 1,
    progress: Callable[[Generated], None] | None = None,
) -> Generated:
    """Write ``cases`` generated cases with their persons, measures, tasks, consents and audit
    events; numbered after the generated cases already there. ``jobs`` > 1 needs PostgreSQL
    (SQLite has one writer) and is not for a caller inside a transaction."""
    from opentrm.cases.models import Case

    if jobs > 1 and connection.vendor != "postgresql":
        raise ValueError("generate_data --jobs needs PostgreSQL (SQLite has one writer)")
    rng = random.Random(seed)
    started = time.monotonic()
    cpu = time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = Generated()
    with transaction.atomic():
        node = _node(rng)
    first = Case.objects.filter(number__contains="-G-").count()
    plan = [
        (index, start, min(batch, cases - start))
        for index, start in enumerate(range(0, cases, batch))
    ]

    def report(part: Generated) -> None:
        done.add(part)
        done.seconds = time.monotonic() - started
        done.cpu_seconds = time.process_time() - cpu
        if progress is not None:
            progress(done)

    if jobs > 1:
        in_processes(partial(_run, node, seed, first), plan, jobs, report)
    else:
        _run(node, seed, first, plan, report)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    done.seconds = time.monotonic() - started
    done.cpu_seconds = (
        time.process_time()
        - cpu
        + (after.ru_utime + after.ru_stime)
        - (children.ru_utime + children.ru_stime)
    )
    return done
