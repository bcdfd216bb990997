"""Fictional cases in bulk, shaped like a national register (for the tests and the benchmark).

No names, no contact data: only what the research datasets read. Skewed as registers are: most
persons are citizens of a few countries, most are women, sexual exploitation and forced labour
lead, most cases are exploited in a handful of countries.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from opentrm.cases.models import Case, CaseCountry, CaseExploitation, Person, PersonCitizenship
from opentrm.cases.models.case import CountryRole
from opentrm.directory.models import Organisation

CITIZENSHIPS = ["AL", "XK", "RO", "MD", "UA", "NG", "VN", "BD", "MA", "SY", "CN", "IN"]
EXPLOITED_IN = ["AL", "IT", "DE", "GR", "TR", "FR", "GB", "AE"]
TYPES = [
    ("SexualExploitation",),
    ("ForcedLabour",),
    ("ForcedBegging",),
    ("SexualExploitation", "ForcedLabour"),
    ("ForcedMarriage",),
    ("Other",),
    ("ChildLabour",),
    ("OrganRemoval",),
]


def _zipf(rng: random.Random, values: list[str], power: float = 1.6) -> str:
    return rng.choices(values, weights=[1 / (i + 1) ** power for i in range(len(values))])[0]


def fictional_cases(
    organisation: Organisation,
    count: int,
    *,
    seed: int = 15,
    first_number: int = 0,
    batch: int = 5000,
) -> int:
    """Create ``count`` cases owned by ``organisation`` with persons, citizenships, countries
    of exploitation and types; returns how many were made."""
    rng = random.Random(seed)  # noqa: S311  (fictional data, not a secret)
    made = 0
    while made < count:
        size = min(batch, count - made)
        persons, cases, facts = [], [], []
        for i in range(size):
            opened = date(rng.randint(2015, 2026), rng.randint(1, 12), rng.randint(1, 28))
            age = max(2, min(70, int(rng.gauss(26, 10))))
            known = rng.random() < 0.85
            born = opened - timedelta(days=365 * age + rng.randint(0, 364)) if known else None
            sex = rng.choices(["female", "male", "unknown", "other"], [70, 26, 3, 1])[0]
            band = "" if known else rng.choice(["under_18", "over_18", "unknown"])
            persons.append(Person(sex=sex, date_of_birth=born, age_band=band or "unknown"))
            number = first_number + made + i
            cases.append(
                Case(
                    number=f"R-{number:08d}",
                    owner_organisation=organisation,
                    opened_on=opened,
                    exploitation_began_on=opened - timedelta(days=rng.randint(30, 2000)),
                )
            )
            facts.append(
                (
                    _zipf(rng, CITIZENSHIPS),
                    _zipf(rng, EXPLOITED_IN) if rng.random() < 0.9 else "",
                    rng.choices(TYPES, [50, 25, 8, 5, 5, 4, 2, 1])[0],
                )
            )
        Person.objects.bulk_create(persons, batch_size=batch)
        for case, person in zip(cases, persons, strict=True):
            case.person = person
            if case.exploitation_began_on and person.date_of_birth:
                case.exploitation_began_on = max(case.exploitation_began_on, person.date_of_birth)
        Case.objects.bulk_create(cases, batch_size=batch)
        PersonCitizenship.objects.bulk_create(
            [
                PersonCitizenship(person=p, country_code=f[0])
                for p, f in zip(persons, facts, strict=True)
            ],
            batch_size=batch,
        )
        CaseCountry.objects.bulk_create(
            [
                CaseCountry(case=c, country_code=f[1], role=CountryRole.EXPLOITATION)
                for c, f in zip(cases, facts, strict=True)
                if f[1]
            ],
            batch_size=batch,
        )
        CaseExploitation.objects.bulk_create(
            [
                CaseExploitation(case=c, type=t)
                for c, f in zip(cases, facts, strict=True)
                for t in f[2]
            ],
            batch_size=batch,
        )
        made += size
    return made
