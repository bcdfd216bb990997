"""What the case's screens share: the way back to the case page, the gate of a case screen (the
HTTP methods, the action, the case through ``access_case``, the action on the case, an audited
read of a section on GET), and the form page of a section."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import reverse
from django.utils.functional import Promise
from django.views.decorators.http import require_http_methods

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action, FieldGroup, can
from opentrm.cases import selectors
from opentrm.cases.access import access_case, require_open
from opentrm.cases.models import Case
from opentrm.core.views import form_view


def case_url(case: Case, anchor: str = "") -> str:
    """The case page, at the section ``anchor`` (an id, without ``#``) if given."""
    url = reverse("cases:case_detail", args=[case.public_id])
    return f"{url}#{anchor}" if anchor else url


def _gated_case(
    request: AuthenticatedHttpRequest,
    public_id: str,
    *,
    needs: Action | None,
    read: FieldGroup | None,
    when_closed: bool = False,
) -> Case:
    actor = request.actor
    case = access_case(actor, public_id)
    if needs is not None and not can(actor, needs, case):
        raise PermissionDenied
    if request.method == "POST" and not when_closed:
        require_open(case)  # a closed case is read-only; only reopening writes
    if read is not None and request.method == "GET":
        selectors.case_read(actor=actor, case=case, via="web", groups=[read.value])
    return case


CaseView = Callable[..., HttpResponse]


def case_view(
    *methods: str,
    gate: Action = Action.CASE_VIEW,
    needs: Action | None = None,
    read: FieldGroup | None = None,
    when_closed: bool = False,
) -> Callable[[CaseView], CaseView]:
    """A screen of one case, answering the HTTP ``methods``: the actor's role must allow
    ``gate``, the case must be visible (404 otherwise) and, if given, the actor may take
    ``needs`` on it (403 otherwise); a POST on a closed case is refused (403) unless
    ``when_closed``; a GET is an audited read of the field group ``read`` if given. The
    decorated function gets the request, the case and the URL's other ids."""

    def decorator(view: CaseView) -> CaseView:
        @require_http_methods(list(methods))
        @actor_required(gate)
        @wraps(view)
        def wrapped(request: AuthenticatedHttpRequest, public_id: str, **ids: Any) -> HttpResponse:
            case = _gated_case(request, public_id, needs=needs, read=read, when_closed=when_closed)
            return view(request, case, **ids)

        return wrapped

    return decorator


@dataclass
class FormPage:
    """What a case's form page is made of: the form, the service call that saves it, the
    page's other context (the case is always in it) and, where they differ from the page's
    own, the success message (or a function of what ``save`` returned) and the anchor."""

    form: forms.BaseForm
    save: Callable[[], Any]
    context: Mapping[str, Any] = field(default_factory=dict)
    success: str | Promise | Callable[[Any], str] | None = None
    anchor: str | None = None
    formsets: Sequence["forms.BaseFormSet[Any]"] = ()


def case_form_page(
    template: str,
    success: str | Promise | None,
    *,
    anchor: str,
    gate: Action = Action.CASE_VIEW,
    needs: Action | None = None,
    read: FieldGroup | None = None,
    when_closed: bool = False,
) -> Callable[[Callable[..., FormPage | HttpResponse]], CaseView]:
    """A form page of one case (see ``case_view`` for the gate), shown with ``template``; the
    decorated function gets the request, the case and the URL's other ids and gives the
    ``FormPage`` (or a response of its own, a redirect). After a save the case page opens at
    ``anchor`` with the ``success`` message (or the page's own)."""

    def decorator(build: Callable[..., FormPage | HttpResponse]) -> CaseView:
        @case_view("GET", "POST", gate=gate, needs=needs, read=read, when_closed=when_closed)
        @wraps(build)
        def view(request: AuthenticatedHttpRequest, case: Case, **ids: Any) -> HttpResponse:
            page = build(request, case, **ids)
            if isinstance(page, HttpResponse):
                return page
            message = page.success or success
            return form_view(
                request,
                page.form,
                save=page.save,
                success=message if callable(message) or message is None else str(message),
                done=case_url(case, page.anchor or anchor),
                template=template,
                context={"case": case, **page.context},
                formsets=page.formsets,
            )

        return view

    return decorator
