"""The case list's search form (``cases.search``)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from opentrm.accounts.policy import Actor
from opentrm.cases.access import may_search_names
from opentrm.cases.models import AssistanceStatus, IdentificationStatus
from opentrm.cases.search import SORTS, CaseSearch
from opentrm.cases.services.participants import case_manager_candidates
from opentrm.core.forms import QUICK_RENDERER, Form, quick_selects

#: The fields kept in the list's URL; the name is never one of them (docs/cases.md).
URL_FIELDS = (
    "mine",
    "number",
    "status",
    "identification",
    "child",
    "manager",
    "opened_from",
    "opened_to",
    "sort",
)
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CaseSearchForm(Form):
    person_name_fields = ("name",)
    default_renderer = QUICK_RENDERER  # labels and inputs without a template each (issue 18)

    mine = forms.BooleanField(label=_("Only cases I manage"), required=False)
    number = forms.CharField(label=_("Case number"), required=False, max_length=32)
    name = forms.CharField(
        label=_("Name or alias"),
        required=False,
        max_length=200,
        help_text=_("Any name of the person, in Latin or Cyrillic letters, accents optional."),
    )
    status = forms.ChoiceField(
        label=_("Assistance status"),
        required=False,
        choices=[("", _("Any")), *AssistanceStatus.choices],
    )
    identification = forms.ChoiceField(
        label=_("Identification"),
        required=False,
        choices=[("", _("Any")), *IdentificationStatus.choices],
    )
    child = forms.ChoiceField(
        label=_("Child or adult"),
        required=False,
        choices=[("", _("Any")), ("child", _("Children")), ("adult", _("Adults"))],
    )
    manager = forms.TypedChoiceField(
        label=_("Case manager"), required=False, coerce=int, empty_value=None
    )
    opened_from = forms.DateField(label=_("Registered from"), required=False, widget=_DATE)
    opened_to = forms.DateField(label=_("Registered until"), required=False, widget=_DATE)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("-opened", _("Newest first")),
            ("opened", _("Oldest first")),
            ("number", _("Case number, ascending")),
            ("-number", _("Case number, descending")),
        ],
    )

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = (
            case_manager_candidates(actor.organisation_id)
            if actor.organisation_id is not None
            else []
        )
        manager = self.fields["manager"]
        assert isinstance(manager, forms.TypedChoiceField)
        manager.choices = [("", _("Anyone"))] + [
            (user.pk, user.get_full_name() or user.get_username()) for user in members
        ]
        if not may_search_names(actor):
            del self.fields["name"]  # a role that never sees names does not search by them
        quick_selects(self)  # on every list page: its options without a template each

    def search(self) -> CaseSearch:
        data = self.cleaned_data
        sort = data.get("sort") or "-opened"
        return CaseSearch(
            number=data.get("number", ""),
            name=data.get("name", ""),
            assistance_status=data.get("status", ""),
            identification_status=data.get("identification", ""),
            child={"child": True, "adult": False}.get(data.get("child", "")),
            case_manager_id=data.get("manager"),
            opened_from=data.get("opened_from"),
            opened_to=data.get("opened_to"),
            sort=sort if sort in SORTS else "-opened",
        )
