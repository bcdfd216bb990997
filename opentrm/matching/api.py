"""Matching API: "is this person already registered?" (issue 16 §1, §5), the page
``/matching/check/`` as JSON. Posted, so no name is ever in a URL; the same form checks the
input and the same service (``find_candidates``) decides what the caller may see and audits."""

from datetime import date
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router
from pydantic import BeforeValidator, ConfigDict

from opentrm.accounts.api_auth import acting, member_auth
from opentrm.accounts.policy import Action
from opentrm.cases.models import Sex
from opentrm.core.api import Routes
from opentrm.core.schemas import PersonName as PersonNameText
from opentrm.core.schemas import Schema, error_responses
from opentrm.directory.schemas import CountryCode
from opentrm.matching.forms import MAX_AGE, PersonCheckForm
from opentrm.matching.services import Candidate, find_candidates

router = Router(tags=["matching"], auth=member_auth(Action.CASE_REGISTER))
_route = Routes(router, error_responses(400, 401, 403, 422))

# The form's field names where the API's differ (a list instead of lines or commas).
_FIELDS = {"citizenship": "citizenships", "document_number": "document_number"}


def _not_true_or_false(value: Any) -> Any:
    if isinstance(value, bool):  # pydantic would read true as 1
        raise ValueError(str(_("A whole number is expected here.")))
    return value


def _up_to_this_year(schema: dict[str, Any]) -> None:
    # Declared in the document (built afresh each day); the form refuses a later year (422).
    schema["maximum"] = timezone.localdate().year


Year = Annotated[
    int,
    Field(ge=1900, json_schema_extra=_up_to_this_year),
    BeforeValidator(_not_true_or_false),
]
Age = Annotated[int, Field(ge=0, le=MAX_AGE), BeforeValidator(_not_true_or_false)]

# A letter at least (the form drops blank lines); declared by hand: pydantic leaves a pattern
# after the name's own validator out of the document.
_ONE_NAME = Field(max_length=199, pattern=r"\S", json_schema_extra={"pattern": r"\S"})


class PersonCheckIn(Schema):
    """What is known of the person; any field may be left out but the names. As on the page:
    the names together fit its field (600 characters), hence at most three of 199."""

    model_config = ConfigDict(extra="forbid")

    names: list[Annotated[PersonNameText, _ONE_NAME]] = Field(
        min_length=1,
        max_length=3,
        description="Names and aliases as written, in any alphabet, in any order.",
    )
    sex: Sex = Sex.UNKNOWN
    date_of_birth: date | None = None
    birth_year: Year | None = Field(None, description="When only the year is known.")
    estimated_age: Age | None = Field(None, description="When neither is known.")
    citizenships: list[CountryCode] = Field([], max_length=10)
    place_of_birth: str = Field("", max_length=200)
    document_number: str = Field("", max_length=60)


class HolderOut(Schema):
    organisation_id: int
    name: str


class CandidateOut(Schema):
    """A possible match: with its case and the reasons when the caller may open the record,
    otherwise only who holds it (contact their focal point)."""

    score: float
    strong: bool = Field(description="Very likely the same person.")
    case_id: str | None = Field(description="The case's public id, when the caller may open it.")
    case_number: str | None
    names: list[str]
    explanation: list[str]
    holders: list[HolderOut]


def _out(candidate: Candidate) -> CandidateOut:
    case = candidate.case
    return CandidateOut(
        score=candidate.score,
        strong=candidate.strong,
        case_id=str(case.public_id) if case is not None else None,
        case_number=case.number if case is not None else None,
        names=list(candidate.names),
        explanation=list(candidate.explanation),
        holders=[
            HolderOut(organisation_id=holder.organisation_id, name=holder.name)
            for holder in candidate.holders
        ],
    )


@_route("POST", "/check", list[CandidateOut], "matching_check")
def person_check(request: HttpRequest, payload: PersonCheckIn) -> Any:
    """Whether a person is already registered: the possible matches, best first, with the
    details only of records the caller may open (the page "Check whether a person is already
    registered"); audited on both sides"""
    form = PersonCheckForm(
        {
            "names": "\n".join(payload.names),
            "sex": payload.sex,
            "date_of_birth": payload.date_of_birth or "",
            "birth_year": "" if payload.birth_year is None else payload.birth_year,
            "estimated_age": "" if payload.estimated_age is None else payload.estimated_age,
            "citizenship": ",".join(payload.citizenships),
            "place_of_birth": payload.place_of_birth,
            "document_number": payload.document_number,
        }
    )
    if not form.is_valid():
        raise ValidationError(
            {_FIELDS.get(name, name): list(messages) for name, messages in form.errors.items()}
        )
    return [_out(c) for c in find_candidates(form.person_data(), acting(request), via="check")]
