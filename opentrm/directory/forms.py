"""HTML input for browsing the directory. (Editing forms: forms_edit.py.)"""

from django import forms
from django.utils.translation import gettext_lazy as _

from opentrm.core.forms import Form
from opentrm.directory.models import Function, OrganisationType
from opentrm.directory.pickers import OrganisationChoiceField

__all__ = ["OrganisationChoiceField", "ProcedureFilterForm", "SearchForm"]


class SearchForm(Form):
    q = forms.CharField(
        label=_("Name or contact person"),
        required=False,
        max_length=200,
        help_text=_(
            "Any name of the body, also in the local language (accents optional), or a "
            "contact person's name or position."
        ),
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Any type")), *OrganisationType.choices]
    )
    city = forms.CharField(label=_("City"), required=False, max_length=120)
    language = forms.ChoiceField(label=_("Language spoken"), required=False)
    function = forms.ChoiceField(
        label=_("Procedure or function"),
        required=False,
        choices=[("", _("Any")), *Function.choices],
    )

    def __init__(
        self,
        *args: object,
        countries: list[tuple[str, str]],
        languages: list[tuple[str, str]],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["country"].choices = [("", _("Any country")), *countries]  # type: ignore[attr-defined]
        self.fields["language"].choices = [("", _("Any language")), *languages]  # type: ignore[attr-defined]


class ProcedureFilterForm(Form):
    function = forms.ChoiceField(
        label=_("Procedure or function"),
        required=False,
        choices=[("", _("All procedures and functions")), *Function.choices],
    )
