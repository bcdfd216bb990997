"""``opentrm generate_data`` (issue 18): rows written as tuples (``COPY`` on PostgreSQL) that the
application reads like its own: every table the command reports, a valid audit chain, unique
case numbers, case pages that open, sequences past the ids written, the same data for a seed."""

from collections import Counter
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from opentrm.accounts.models import User
from opentrm.accounts.tests.factories import user_browser
from opentrm.audit.models import AuditEvent
from opentrm.audit.verification import verify_audit_trail
from opentrm.cases.generator import generate
from opentrm.cases.models import (
    Case,
    CaseCountry,
    CaseMeasure,
    CaseParticipant,
    ConsentRecord,
    Person,
    PersonName,
    PersonNameKey,
    Task,
)
from opentrm.core.text import search_words

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY and parallel jobs are PostgreSQL's"
)


def _contents(cases: Any) -> list[tuple[Any, ...]]:
    """What a generated case holds, without its ids and number (compared across runs)."""
    found = []
    for case in cases.order_by("number").prefetch_related("person__names", "measures", "tasks"):
        found.append(
            (
                case.number.split("-")[0],
                case.owner_organisation_id,
                case.opened_on,
                case.identification_status,
                case.person.sex,
                case.person.date_of_birth,
                case.person.age_band,
                tuple((n.kind, n.value, n.script) for n in case.person.names.all()),
                tuple(sorted((m.code, m.status, m.due_on) for m in case.measures.all())),
                tuple(sorted((t.title, t.due_on, t.source_key) for t in case.tasks.all())),
            )
        )
    return found


@pytest.mark.django_db
def test_the_command_writes_what_it_reports_and_the_application_reads_it() -> None:
    out = StringIO()
    call_command("generate_data", cases=300, seed=4, batch=120, stdout=out)
    report = out.getvalue()
    persons = Person.objects.count()
    names = PersonName.objects.count()
    assert (
        f"Added 300 cases, {persons} persons ({names} names), {CaseMeasure.objects.count()} "
        f"measures, {Task.objects.count()} tasks, {ConsentRecord.objects.count()} consents, "
        f"{AuditEvent.objects.count()} audit events in" in report
    )
    assert Case.objects.count() == persons == 300 == AuditEvent.objects.count()
    numbers = list(Case.objects.values_list("number", flat=True))
    assert len(set(numbers)) == 300
    assert all("-G-" in number for number in numbers)
    assert CaseCountry.objects.count() == 300
    assert 300 < CaseParticipant.objects.count() < 450  # a fifth shared
    scripts = Counter(PersonName.objects.values_list("script", flat=True))
    assert {"Latn", "Cyrl", "Grek", "Arab"} <= set(scripts)
    for name in PersonName.objects.all()[:50]:  # the case search finds every name
        keys = set(PersonNameKey.objects.filter(name=name).values_list("key", flat=True))
        assert keys == set(search_words(name.value))
    assert verify_audit_trail().intact
    call_command("verify_audit", stdout=StringIO())  # raises on a broken chain

    cases = Case.objects.select_related("person", "owner_organisation").order_by("pk")
    shown = [
        cases.first(),
        cases.filter(person__age_band="under_18").first(),  # a child's case file
        cases.filter(person__names__kind="alias", person__names__script="Latn").first(),
        cases.filter(participants__case_manager__isnull=True).first(),
    ]
    for case in shown:
        assert case is not None
        manager = User.objects.get(
            memberships__organisation=case.owner_organisation, memberships__role="case_manager"
        )
        page = user_browser(manager).get(f"/cases/{case.public_id}/")
        assert page.status_code == 200
        html = page.content.decode()
        assert case.number in html
        for name in case.person.names.all():
            assert name.value in html


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_cases_and_the_application_writes_after_them() -> None:
    generate(cases=90, seed=7, batch=40)
    first = _contents(Case.objects.all())
    generate(cases=90, seed=7, batch=40)  # numbered after the first 90
    generate(cases=40, seed=8, batch=40)
    numbers = sorted(Case.objects.values_list("number", flat=True), key=lambda n: n[-8:])
    assert len(set(numbers)) == 220
    assert _contents(Case.objects.filter(number__in=numbers[90:180])) == first
    assert _contents(Case.objects.filter(number__in=numbers[180:])) != first[:40]
    # New rows written by the application take ids after the generated ones.
    newest = Person.objects.order_by("-pk").values_list("pk", flat=True).first()
    assert Person.objects.create().pk > newest  # type: ignore[operator]
    assert verify_audit_trail().intact


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_jobs_write_the_same_register_as_one() -> None:
    generate(cases=200, seed=11, batch=30)
    one = _contents(Case.objects.all())
    done = generate(cases=200, seed=11, batch=30, jobs=2)
    assert done.cases == 200
    assert done.events == 200
    numbers = sorted(Case.objects.values_list("number", flat=True), key=lambda n: n[-8:])
    assert len(set(numbers)) == 400
    assert _contents(Case.objects.filter(number__in=numbers[200:])) == one
    assert verify_audit_trail().intact
    assert AuditEvent.objects.count() == 400
    newest = Case.objects.order_by("-pk").values_list("pk", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value FROM cases_case_id_seq")
        assert cursor.fetchone()[0] >= newest


def test_jobs_need_postgresql() -> None:
    if connection.vendor == "postgresql":
        pytest.skip("SQLite only")
    with pytest.raises(ValueError, match="PostgreSQL"):
        generate(cases=1, seed=1, jobs=2)
