"""HTML input for tasks. The services in ``services/tasks.py`` validate again and audit."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opentrm.accounts.forms import MemberChoiceField
from opentrm.cases.services.tasks import assignable_users
from opentrm.core.forms import Form


class TaskForm(Form):
    title = forms.CharField(label=_("Task"), max_length=200)
    due_on = forms.DateField(
        label=_("Due"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, data: Any = None, *, organisation_id: int | None) -> None:
        super().__init__(data)
        self.fields["assignee"] = MemberChoiceField(
            label=_("Assigned to"),
            queryset=assignable_users(organisation_id),
            required=False,
            help_text=_("A member of your organisation."),
        )

    def clean_due_on(self) -> object:
        due_on = self.cleaned_data.get("due_on")
        if due_on is not None and due_on < timezone.localdate():
            raise forms.ValidationError(_("A new task cannot be due in the past."))
        return due_on


class TaskVersionForm(Form):
    """The version of the task the button was shown for (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
