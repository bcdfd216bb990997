"""The k-anonymous export: the CTDC layout, and no combination of quasi-identifiers below k."""

import csv
import gzip
import io
from collections import Counter
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from opentrm.research import kanon
from opentrm.research.kanon import k_anonymise
from opentrm.research.layout import COLUMNS, QUASI_IDENTIFIERS, CaseFacts, ctdc_record
from opentrm.research.services import write_csv


def _key(facts: CaseFacts) -> tuple[str, ...]:
    row = ctdc_record(facts)
    return tuple(row[c] for c in QUASI_IDENTIFIERS)


def _rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(gzip.decompress(content).decode("utf-8"))))


facts = st.builds(
    CaseFacts,
    opened_on=st.dates(date(2015, 1, 1), date(2026, 12, 31)),
    sex=st.sampled_from(["female", "male", "other", "unknown"]),
    date_of_birth=st.none() | st.dates(date(1950, 1, 1), date(2024, 12, 31)),
    age_band=st.sampled_from(["under_18", "over_18", "unknown"]),
    exploitation_began_on=st.none() | st.dates(date(2000, 1, 1), date(2026, 12, 31)),
    citizenships=st.lists(st.sampled_from(["AL", "RO", "XK", "NG", "VN", "UA"]), max_size=2),
    exploitation_countries=st.lists(st.sampled_from(["AL", "IT", "DE", "GR"]), max_size=2),
    exploitation_types=st.lists(
        st.sampled_from(
            ["SexualExploitation", "ForcedLabour", "ForcedBegging", "ForcedMarriage", "Other"]
        ),
        max_size=3,
    ),
)


@settings(max_examples=60, deadline=None)
@given(
    records=st.lists(facts, max_size=300),
    k=st.integers(min_value=2, max_value=25),
    max_suppression=st.floats(min_value=0, max_value=1),
)
def test_no_combination_of_quasi_identifiers_has_fewer_than_k_records(
    records: list[CaseFacts], k: int, max_suppression: float
) -> None:
    result = k_anonymise(Counter(map(_key, records)), k=k, max_suppression=max_suppression)
    rows = _rows(write_csv(kanon.expand(result.counts)))

    groups = Counter(tuple(row[c] for c in QUASI_IDENTIFIERS) for row in rows)
    assert all(n >= k for n in groups.values())
    assert len(rows) == result.records_out == len(records) - result.suppressed
    assert 0 <= result.suppressed_share <= 1


def test_the_export_has_the_ctdc_columns_years_bands_and_countries_only() -> None:
    child = CaseFacts(
        opened_on=date(2020, 6, 15),
        sex="female",
        date_of_birth=date(2010, 9, 1),
        exploitation_began_on=date(2019, 1, 1),
        citizenships=["ro", "AL"],
        exploitation_countries=["IT"],
        exploitation_types=["SexualExploitation", "ForcedBegging"],
    )
    rows = _rows(write_csv([_key(child)] * 11))

    assert list(rows[0]) == list(COLUMNS)
    assert rows[0]["yearOfRegistration"] == "2020"
    assert rows[0]["ageBroad"] == "9--17"
    assert rows[0]["majorityStatus"] == "Minor"
    assert rows[0]["majorityStatusAtExploit"] == "Minor"
    assert rows[0]["citizenship"] == "AL"
    assert rows[0]["CountryOfExploitation"] == "IT"
    assert rows[0]["typeOfExploitConcatenated"] == "Forced labour;Sexual exploitation"
    assert rows[0]["isSexAndLabour"] == "1"
    assert rows[0]["typeOfLabourBegging"] == "1"
    assert rows[0]["Datasource"] == "Case Management"
    assert "2010" not in gzip.decompress(write_csv([_key(child)])).decode()


def test_a_lone_record_among_many_alike_is_suppressed_and_counted() -> None:
    common = _key(CaseFacts(opened_on=date(2024, 3, 1), sex="female", citizenships=["AL"]))
    lone = _key(CaseFacts(opened_on=date(2024, 3, 1), sex="male", citizenships=["NG"]))
    result = k_anonymise(Counter({common: 40, lone: 1}), k=11)

    assert result.rungs == []  # 1 of 41 is within the 5 % that may be left out
    assert result.suppressed == 1
    assert dict(result.counts) == {common: 40}


def test_generalising_keeps_records_that_suppression_alone_would_lose() -> None:
    ages = [date(2000, 1, 1), date(1998, 1, 1), date(1996, 1, 1), date(1993, 1, 1)]
    counts = Counter(
        _key(CaseFacts(opened_on=date(2022, 2, 2), sex="female", date_of_birth=born))
        for born in ages
        for _ in range(4)
    )  # four CTDC age bands of 4 records each, all 18-29
    result = k_anonymise(counts, k=11)

    assert result.rungs == ["age_wide"]
    assert result.suppressed == 0
    (key,) = result.counts
    assert key[QUASI_IDENTIFIERS.index("ageBroad")] == "18--29"
