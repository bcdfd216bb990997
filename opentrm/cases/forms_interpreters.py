"""HTML input for assigning an interpreter to a case (SOP-I-4, REC-44)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from opentrm.accounts.forms import MemberChoiceField
from opentrm.cases.models import Case
from opentrm.cases.services.interpreters import interpreter_candidates
from opentrm.core.forms import Form

# The undertaking the interpreter signs (DP-26, DP-27): shown on the form, recorded by date.
UNDERTAKING = _(
    "I will keep confidential everything I learn about the person and the case, use it only "
    "to interpret or mediate in this case, make no copies and pass nothing on (professional "
    "secrecy, neutrality and equidistance)."
)


class InterpreterAssignForm(Form):
    undertaking_signed_on = forms.DateField(
        label=_("Confidentiality undertaking signed on"),
        help_text=_("The interpreter sees the case only after signing it."),
    )
    languages = forms.CharField(label=_("Languages"), required=False, max_length=200)

    def __init__(self, data: Any = None, *, case: Case) -> None:
        super().__init__(data)
        self.fields["interpreter"] = MemberChoiceField(
            queryset=interpreter_candidates(case),
            label=_("Interpreter or cultural mediator"),
            help_text=_("An interpreter of an organisation that takes part in the case."),
        )
        self.order_fields(["interpreter", "undertaking_signed_on", "languages"])
