import pytest
from django.core.management import CommandError, call_command

from opentrm.audit.models import AuditEvent
from opentrm.cases.models import Case
from opentrm.directory.demo import load_demo


def test_it_loads_fictional_cases_once(db: None) -> None:
    load_demo()
    call_command("load_demo_cases")
    assert Case.objects.count() == 3
    events = AuditEvent.objects.count()
    call_command("load_demo_cases")
    assert Case.objects.count() == 3
    assert AuditEvent.objects.count() == events


def test_it_needs_the_demo_directory_first(db: None) -> None:
    with pytest.raises(CommandError, match="load_demo"):
        call_command("load_demo_cases")
