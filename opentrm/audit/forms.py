from django import forms
from django.utils.translation import gettext_lazy as _

from opentrm.audit.events import EventType
from opentrm.core.forms import Form


class AuditFilterForm(Form):
    user = forms.CharField(label=_("User name or id"), required=False, max_length=150)
    organisation = forms.IntegerField(label=_("Organisation id"), required=False, min_value=1)
    event_type = forms.ChoiceField(
        label=_("Event"), required=False, choices=[("", _("Any event")), *EventType.choices]
    )
    target_type = forms.CharField(label=_("Object type"), required=False, max_length=64)
    target_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end of the period is before its start."))
        return data
