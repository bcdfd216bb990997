# ruff: noqa: S608 -- the SQL below is built from this module's constants and the indicator
# codes (``_literal`` refuses a quote); every value from the database or a caller is bound.
"""The full fill on PostgreSQL, set-based (issue 15 §2: a full fill of 1,000,000 cases in
under 5 minutes).

The same contributions as ``contributions.contributions`` computes case by case in Python,
built by the database for a range of case ids in one ``INSERT ... SELECT`` (``store_range``),
and the case cells as the sum of the stored contributions, expanded and added up by the
database with ``GROUP BY`` (``replace_case_cells``): the rules of ``Tally.add`` written once
more in SQL. The incremental fill keeps taking a changed case's stored contribution out and
putting its new one in, in Python; the property test (an incremental fill leaves the cells a
full fill writes) holds the two writings of the rules together on PostgreSQL.
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from opentrm.cases.models.case import CountryRole
from opentrm.stats.indicators import AGE_BANDS, BY_CODE, CASE_DIMENSIONS, TOTAL, UNKNOWN
from opentrm.stats.services.contributions import CASE_CODES, STATUS_EVENTS
from opentrm.stats.services.tally import IDENTIFIED


def _literal(text: str) -> str:
    assert "'" not in text  # our own codes, never user input
    return f"'{text}'"


def _age_band_sql(age: str) -> str:
    whens = " ".join(
        f"WHEN {age} BETWEEN {low} AND {high} THEN {_literal(label)}"
        for low, high, label in AGE_BANDS
    )
    return f"CASE {whens} ELSE {_literal(UNKNOWN)} END"


def _identification_sql() -> str:
    whens = " ".join(
        f"WHEN {_literal(status)} THEN {_literal(label)}" for status, label in IDENTIFIED.items()
    )
    return f"CASE c.identification_status {whens} ELSE 'other' END"


def _status_sql() -> tuple[str, str]:
    """(the condition on a status change, the indicator it counts for)."""
    pairs = ", ".join(
        f"({_literal(attribute)}, {_literal(value)})" for attribute, value in STATUS_EVENTS
    )
    whens = " ".join(
        f"WHEN s.attribute = {_literal(attribute)} AND s.new_value = {_literal(value)} "
        f"THEN {_literal(code)}"
        for (attribute, value), code in STATUS_EVENTS.items()
    )
    return f"(s.attribute, s.new_value) IN ({pairs})", f"CASE {whens} END"


def _values_list(expression: str) -> str:
    """A sorted JSON list of the distinct values of ``expression`` (an aggregate)."""
    return f"jsonb_agg(DISTINCT {expression})"


RANGE = "x.case_id > %(lo)s AND x.case_id <= %(hi)s"


def _case_values() -> dict[str, str]:
    """The contribution's ``v``, dimension by dimension (``CASE_DIMENSIONS``), over the case
    ``c``, its person ``p`` and the lists grouped by case (``cit``, ``origin``, ...)."""
    age = (
        "(extract(year FROM c.opened_on) - extract(year FROM p.date_of_birth) - CASE WHEN "
        "(extract(month FROM c.opened_on), extract(day FROM c.opened_on)) < "
        "(extract(month FROM p.date_of_birth), extract(day FROM p.date_of_birth)) "
        "THEN 1 ELSE 0 END)::int"
    )
    band = (
        f"CASE WHEN p.date_of_birth IS NOT NULL THEN {_age_band_sql(age)} ELSE "
        f"{_literal(UNKNOWN)} END"
    )
    child = (
        f"CASE WHEN p.date_of_birth IS NOT NULL THEN CASE WHEN {age} < 18 THEN 'child' "
        f"ELSE 'adult' END WHEN p.age_band = 'under_18' THEN 'child' "
        f"WHEN p.age_band = 'over_18' THEN 'adult' ELSE {_literal(UNKNOWN)} END"
    )
    unknown = f"'[\"{UNKNOWN}\"]'::jsonb"
    values = {
        "sex": f"jsonb_build_array(coalesce(nullif(p.sex, ''), {_literal(UNKNOWN)}))",
        "age_band": f"jsonb_build_array({band})",
        "child": f"jsonb_build_array({child})",
        "citizenship": f"coalesce(cit.v, {unknown})",
        "origin": f"coalesce(origin.v, {unknown})",
        "exploitation_country": f"coalesce(exploitation.v, {unknown})",
        "recruitment_country": f"coalesce(recruitment.v, {unknown})",
        "exploitation_type": f"coalesce(kind.v, {unknown})",
        "referrer_type": (
            f"jsonb_build_array(coalesce(nullif(c.referrer_type, ''), {_literal(UNKNOWN)}))"
        ),
        "identification": f"jsonb_build_array({_identification_sql()})",
    }
    assert tuple(values) == CASE_DIMENSIONS
    return values


def _contributions_sql() -> str:
    """One row (case id, contribution) per live case with ``%(lo)s < id <= %(hi)s``: each
    list grouped by case once over the range (hash joins), not looked up case by case."""
    upper = 'upper(x.country_code) COLLATE "C"'
    kind = 'x.type COLLATE "C"'
    roles = {
        "origin": CountryRole.ORIGIN,
        "exploitation": CountryRole.EXPLOITATION,
        "recruitment": CountryRole.RECRUITMENT,
    }
    lists = [
        "cit AS (SELECT c.id AS case_id, "
        f"{_values_list(upper)} AS v FROM c JOIN cases_personcitizenship x "
        "ON x.person_id = c.person_id GROUP BY c.id)",
        *(
            f"{name} AS (SELECT x.case_id, {_values_list(upper)} AS v FROM cases_casecountry x "
            f"WHERE {RANGE} AND x.role = {_literal(role)} GROUP BY x.case_id)"
            for name, role in roles.items()
        ),
        f"kind AS (SELECT x.case_id, {_values_list(kind)} AS v "
        f"FROM cases_caseexploitation x WHERE {RANGE} GROUP BY x.case_id)",
    ]
    joins = " ".join(
        f"LEFT JOIN {name} ON {name}.case_id = c.id" for name in ("cit", *roles, "kind")
    )
    return (
        "INSERT INTO stats_statscasecontribution (case_id, data) "
        "WITH c AS MATERIALIZED (SELECT c.*, coalesce(country.code, '') AS country_code "
        "FROM cases_case c JOIN directory_organisation o ON o.id = c.owner_organisation_id "
        "LEFT JOIN directory_country country ON country.id = o.country_id "
        "WHERE c.deleted_at IS NULL AND c.id > %(lo)s AND c.id <= %(hi)s), "
        f"{', '.join(lists)}, {_events_sql()} "
        "SELECT c.id, jsonb_build_object('o', c.owner_organisation_id, 'c', c.country_code, "
        f"'v', jsonb_build_array({', '.join(_case_values().values())}), 'e', events.e) "
        f"FROM c JOIN cases_person p ON p.id = c.person_id {joins} "
        "JOIN events ON events.case_id = c.id"
    )


def _events_sql() -> str:
    """``events``: each case's events, ``[indicator, "YYYY-MM-01", amount or null, breakdown
    or null]``, as ``contributions.contributions`` lists them."""
    opened = "to_char(date_trunc('month', c.opened_on), 'YYYY-MM-DD')"
    condition, status_code = _status_sql()
    proceedings = (
        "(SELECT x.case_id, bool_or(x.initiated) AS initiated, "
        "bool_or(x.compensation_obtained) AS compensated FROM cases_proceeding x "
        f"WHERE {RANGE} GROUP BY x.case_id) AS x JOIN c ON c.id = x.case_id"
    )
    parts = [
        f"SELECT c.id AS case_id, 'new_cases' AS code, {opened} AS month, "
        "NULL::float8 AS amount, NULL::jsonb AS breakdown FROM c",
        f"SELECT c.id, 'retrafficked', {opened}, NULL, NULL FROM c WHERE c.previously_trafficked",
        f"SELECT DISTINCT s.case_id, {status_code}, to_char(date_trunc('month', s.changed_at "
        "AT TIME ZONE %(tz)s), 'YYYY-MM-DD'), NULL::float8, NULL::jsonb "
        "FROM cases_casestatuschange s "
        f"WHERE s.case_id > %(lo)s AND s.case_id <= %(hi)s AND {condition}",
        f"SELECT x.case_id, 'in_proceedings', {opened}, NULL, NULL FROM {proceedings} "
        "WHERE x.initiated",
        f"SELECT x.case_id, 'compensation_obtained', {opened}, NULL, NULL FROM {proceedings} "
        "WHERE x.compensated",
        "SELECT x.case_id, 'reflection_periods', "
        "to_char(date_trunc('month', x.starts_on), 'YYYY-MM-DD'), "
        "(x.ends_on - x.starts_on + 1)::float8, NULL FROM cases_reflectionperiod x "
        f"WHERE {RANGE}",
        "SELECT x.case_id, 'measures_started', "
        "to_char(date_trunc('month', x.started_on), 'YYYY-MM-DD'), "
        "NULL, jsonb_build_object('sop', jsonb_build_array(split_part(x.code, '.', 1)), "
        "'measure', jsonb_build_array(x.code)) FROM cases_casemeasure x "
        f"WHERE {RANGE} AND x.started_on IS NOT NULL",
    ]
    union = " UNION ALL ".join(f"({part})" for part in parts)
    return (
        "events AS (SELECT e.case_id, "
        "jsonb_agg(jsonb_build_array(e.code, e.month, e.amount, e.breakdown) "
        "ORDER BY e.code, e.month, e.amount, e.breakdown::text) AS e "
        f"FROM ({union}) AS e GROUP BY e.case_id)"
    )


def range_end(after: int, cases: int) -> int | None:
    """The id of the ``cases``-th case after ``after`` (the last one if fewer; None if
    none): the ranges of a full fill hold as many cases whatever gaps the ids have."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT max(id) FROM (SELECT id FROM cases_case WHERE id > %s ORDER BY id "
            "LIMIT %s) AS batch",
            [after, cases],
        )
        found = cursor.fetchone()[0]
        return None if found is None else int(found)


def store_range(low: int, high: int) -> int:
    """Store the contribution of every live case with ``low < id <= high`` (none stored
    yet: the full fill emptied them); the cases stored."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")  # compiling costs more than it saves here
        cursor.execute(
            _contributions_sql(),
            {"lo": low, "hi": high, "tz": timezone.get_current_timezone_name()},
        )
        return int(cursor.rowcount)


def _dimensions_sql() -> str:
    """(indicator, dimension, position in the contribution's ``v`` or null) of every case
    indicator's breakdown."""
    rows = []
    for code in CASE_CODES:
        for dimension in BY_CODE[code].dimensions:
            position = CASE_DIMENSIONS.index(dimension) if dimension in CASE_DIMENSIONS else None
            rows.append(
                f"({_literal(code)}, {_literal(dimension)}, "
                f"{'NULL::int' if position is None else position})"
            )
    return f"(VALUES {', '.join(rows)}) AS d(code, dimension, position)"


def replace_case_cells() -> int:
    """The full fill's swap on PostgreSQL: the case cells replaced by the sum of the stored
    contributions, in the caller's transaction; the cells written. Each event counts once
    under each value of each of its indicator's breakdowns, like ``Tally.add`` (the lists of
    values ``store_range`` builds hold each value once)."""
    codes = ", ".join(_literal(code) for code in CASE_CODES)
    values = (
        f"CASE WHEN d.dimension = {_literal(TOTAL)} THEN '[\"\"]'::jsonb "
        "WHEN jsonb_typeof(e.item -> 3) = 'object' "
        f"THEN coalesce(e.item -> 3 -> d.dimension, '[\"{UNKNOWN}\"]'::jsonb) "
        "ELSE c.data -> 'v' -> d.position END"
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(f"DELETE FROM stats_statscell WHERE indicator IN ({codes})")
        cursor.execute(
            "INSERT INTO stats_statscell (indicator, period, organisation_id, country_code, "
            "dimension, value, count, total) "
            "SELECT e.item ->> 0, (e.item ->> 1)::date, (c.data ->> 'o')::bigint, "
            "c.data ->> 'c', d.dimension, left(v.value, 64), count(*), "
            "coalesce(sum((e.item ->> 2)::float8), 0) "
            "FROM stats_statscasecontribution c "
            "CROSS JOIN LATERAL jsonb_array_elements(c.data -> 'e') AS e(item) "
            f"JOIN {_dimensions_sql()} ON d.code = e.item ->> 0 "
            f"CROSS JOIN LATERAL jsonb_array_elements_text({values}) AS v(value) "
            "GROUP BY 1, 2, 3, 4, 5, 6"
        )
        return int(cursor.rowcount)
