"""``opentrm verify_audit``: the chain, its head row and the signed checkpoints together."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from opentrm.audit.chain import ChainProblem, verify_chain
from opentrm.audit.checkpoints import Checkpoint, checkpoint_dir, read_checkpoints
from opentrm.audit.models import AuditEvent

# The cron job writes one checkpoint a day; older than this, something stopped it.
CHECKPOINT_STALE_AFTER = timedelta(hours=48)


@dataclass
class AuditReport:
    events: int
    problems: list[ChainProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    newest_checkpoint: Checkpoint | None = None

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_audit_trail(
    *, directory: Path | None = None, now: datetime | None = None
) -> AuditReport:
    """Every fault of the chain, of its head row and of the checkpoints in ``directory``."""
    directory = directory or checkpoint_dir()
    now = now or timezone.now()
    good, bad = read_checkpoints(directory)
    node = str(settings.OPENTRM_NODE_ID)
    warnings: list[str] = []
    usable: list[Checkpoint] = []
    for checkpoint in good:
        if checkpoint.node != node:
            warnings.append(
                f"checkpoint {checkpoint.label} belongs to node {checkpoint.node!r}, not to this "
                f"node ({node!r}): ignored"
            )
        else:
            usable.append(checkpoint)
    problems = verify_chain(usable)
    problems.extend(
        ChainProblem(None, f"checkpoint file {bad_file.path.name} {bad_file.reason}")
        for bad_file in bad
    )
    newest = usable[-1] if usable else None
    if newest is None:
        warnings.append(
            f"no valid checkpoint in {directory}: events cut off the end together with the "
            "chain head row cannot be detected; run `opentrm audit_checkpoint` daily"
        )
    elif now - newest.created_at > CHECKPOINT_STALE_AFTER:
        warnings.append(
            f"the newest checkpoint is from {newest.created_at.isoformat(timespec='seconds')}: "
            "events after it are not anchored; is the daily `opentrm audit_checkpoint` running?"
        )
    return AuditReport(
        events=AuditEvent.objects.count(),
        problems=problems,
        warnings=warnings,
        newest_checkpoint=newest,
    )
