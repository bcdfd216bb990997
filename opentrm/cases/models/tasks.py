"""Tasks and deadlines on a case: made by hand or by measures, periods, reviews and expiries."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from opentrm.core.keyed_text import keyed_or_stored
from opentrm.core.models import VersionedModel


class TaskSource(models.TextChoices):
    MANUAL = "manual", _("Added by hand")
    MEASURE = "measure", _("Measure deadline")
    REFLECTION = "reflection", _("Reflection period ending")
    PLAN_REVIEW = "plan_review", _("Plan review")
    CONSENT_EXPIRY = "consent_expiry", _("Consent expiring")
    NOMINATION = "nomination", _("Case manager to nominate")
    FOLLOW_UP_VISIT = "follow_up_visit", _("Follow-up visit after return")


class Task(VersionedModel):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("task"), max_length=200)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case_tasks",
    )
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="case_tasks"
    )
    due_on = models.DateField(_("due"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=16, choices=TaskSource.choices, default=TaskSource.MANUAL
    )
    source_key = models.CharField(
        max_length=80,
        blank=True,
        help_text="What made it (e.g. a measure code), so it is made once.",
    )
    last_reminded_on = models.DateField(null=True, blank=True)
    # A task the system made: its title as a key + parameters, rendered in the reader's
    # language (``cases.task_titles``); ``title`` holds the node-language text as a fallback.
    title_key = models.CharField(max_length=40, blank=True, default="")
    title_params = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            models.UniqueConstraint(
                "case",
                "source",
                "source_key",
                name="cases_task_generated_once",
                condition=~models.Q(source="manual"),
            )
        ]
        indexes = [
            models.Index(fields=["assignee", "done_at", "due_on"], name="cases_task_assignee_idx"),
            models.Index(fields=["organisation", "done_at", "due_on"], name="cases_task_org_idx"),
            # "My tasks" (the home page, the task list): the open ones in due order, the case
            # at hand for the visibility check (bench/README.md, "Home page and case search").
            models.Index(
                fields=["assignee", "organisation", "due_on", "id"],
                include=["case"],
                condition=models.Q(done_at__isnull=True),
                name="cases_task_mine_open_idx",
            ),
        ]

    @property
    def shown_title(self) -> str:
        """The title in the reader's (active) language."""
        from opentrm.cases.task_titles import render_title

        return keyed_or_stored(render_title, self.title_key, self.title_params, self.title)

    def __str__(self) -> str:
        return f"task {self.pk} on {self.case}"
