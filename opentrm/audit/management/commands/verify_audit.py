import sys
from typing import Any

from django.core.management.base import BaseCommand

from opentrm.audit.chain import find_first_problem
from opentrm.audit.models import AuditChainHead


class Command(BaseCommand):
    help = "Verify the audit hash chain; exit 1 naming the first bad event if it was tampered with."

    def handle(self, *args: Any, **options: Any) -> None:
        problem = find_first_problem()
        if problem is not None:
            self.stderr.write(f"Audit chain broken at event #{problem.sequence}: {problem.reason}.")
            sys.exit(1)
        head = AuditChainHead.objects.filter(pk=1).first()
        count = head.last_sequence if head else 0
        self.stdout.write(f"Audit chain intact: {count} events.")
