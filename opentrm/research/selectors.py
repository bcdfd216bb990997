"""Reading a country's cases as CTDC records, counted; the datasets an actor sees."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator

from opentrm.cases.models import Case, CaseCountry, CaseExploitation, PersonCitizenship
from opentrm.cases.models.case import CountryRole, IdentificationStatus
from opentrm.cases.querysets import CaseQuerySet
from opentrm.research.kanon import Counts, Key
from opentrm.research.layout import Reduced, ctdc_row, qi_key, reduce_parts
from opentrm.research.models import ResearchDataset

CHUNK = 50_000  # cases per pass: four queries each, memory bounded by the chunk


def research_cases(country_id: int) -> CaseQuerySet:
    """The cases a research dataset counts: live cases owned by an organisation of the
    country, of a (presumed) victim; not persons found not to be victims, nor prevention
    records of persons at risk."""
    return (
        Case.objects.live()
        .filter(owner_organisation__country_id=country_id)
        .exclude(
            identification_status__in=[
                IdentificationStatus.NOT_A_VICTIM,
                IdentificationStatus.AT_RISK,
            ]
        )
        .exclude(person__is_at_risk_only=True)
        # a person under a restriction of processing (GDPR art. 18) is not in a dataset
        .exclude(processing_restricted=True)
    )


def _ranges(country_id: int, chunk: int) -> Iterator[tuple[int, int]]:
    ids = research_cases(country_id).order_by("pk").values_list("pk", flat=True)
    first, last = ids.first(), ids.order_by("-pk").first()
    if first is None or last is None:
        return
    for low in range(first, last + 1, chunk):
        yield low, min(low + chunk - 1, last)


def case_keys(country_id: int, *, chunk: int = CHUNK) -> Iterator[Key]:
    """One quasi-identifier key per research case of the country (``QUASI_IDENTIFIERS``)."""
    memo: dict[Reduced, Key] = {}
    for low, high in _ranges(country_id, chunk):
        cases = research_cases(country_id).filter(pk__range=(low, high))
        citizenships: defaultdict[int, list[str]] = defaultdict(list)
        for case_id, code in PersonCitizenship.objects.filter(person__cases__in=cases).values_list(
            "person__cases__pk", "country_code"
        ):
            citizenships[case_id].append(code)
        countries: defaultdict[int, list[str]] = defaultdict(list)
        for case_id, code in CaseCountry.objects.filter(
            case__in=cases, role=CountryRole.EXPLOITATION
        ).values_list("case_id", "country_code"):
            countries[case_id].append(code)
        types: defaultdict[int, list[str]] = defaultdict(list)
        for case_id, kind in CaseExploitation.objects.filter(case__in=cases).values_list(
            "case_id", "type"
        ):
            types[case_id].append(kind)
        rows = cases.values_list(
            "pk",
            "opened_on",
            "exploitation_began_on",
            "person__sex",
            "person__date_of_birth",
            "person__age_band",
        )
        for pk, opened_on, began, sex, born, band in rows.iterator(chunk_size=5000):
            reduced = reduce_parts(
                opened_on,
                sex,
                born,
                band,
                began,
                citizenships.get(pk, ()),
                countries.get(pk, ()),
                types.get(pk, ()),
            )
            key = memo.get(reduced)
            if key is None:
                key = memo[reduced] = qi_key(ctdc_row(reduced))
            yield key


def case_counts(country_id: int, *, chunk: int = CHUNK) -> Counts:
    return Counter(case_keys(country_id, chunk=chunk))


def datasets_for(actor: object) -> list[ResearchDataset]:
    return list(
        ResearchDataset.objects.visible_to(actor)
        .select_related("country", "recorded_by")
        .defer("csv_gz")[:200]
    )
