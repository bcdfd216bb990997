"""The two view helpers: ``form_view`` (a form page) and ``action_view`` (a button's POST)."""

from typing import Any

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseRedirect
from django.test import RequestFactory

from opentrm.core.errors import ConflictError, DomainError
from opentrm.core.views import action_view, form_view

TEMPLATE = "errors/400.html"  # any page: the helpers' work is on the form and the response


class NameForm(forms.Form):
    name = forms.CharField()


def _request(method: str, data: dict[str, str] | None = None) -> HttpRequest:
    factory = RequestFactory()
    request = factory.post("/", data or {}) if method == "POST" else factory.get("/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]  # as the middleware does
    return request


def _messages(request: HttpRequest) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in get_messages(request)]


def _never() -> None:
    raise AssertionError("save must not be called")


def _no_context() -> dict[str, Any]:
    raise AssertionError("the context must not be worked out")


def test_it_shows_the_form_on_get_without_saving() -> None:
    request = _request("GET")
    response = form_view(
        request, NameForm(None), save=_never, done="/done/", template=TEMPLATE, success="Saved."
    )
    assert response.status_code == 200
    assert _messages(request) == []


def test_it_saves_a_valid_post_and_redirects_with_the_message_of_the_result() -> None:
    request = _request("POST", {"name": "Ana"})
    form = NameForm(request.POST)
    response = form_view(
        request,
        form,
        save=lambda: form.cleaned_data["name"].upper(),
        done=lambda saved: _redirect_to(f"/people/{saved}/"),
        success=lambda saved: f"{saved} was added.",
        template=TEMPLATE,
    )
    assert (response.status_code, response["Location"]) == (302, "/people/ANA/")
    assert _messages(request) == [("success", "ANA was added.")]


def _redirect_to(url: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(url)


def test_it_does_not_save_an_invalid_form_and_shows_it_again_with_the_refused_status() -> None:
    request = _request("POST", {"name": ""})
    form = NameForm(request.POST)
    response = form_view(
        request, form, save=_never, done="/done/", template=TEMPLATE, refused_status=422
    )
    assert response.status_code == 422
    assert "name" in form.errors


def test_it_puts_a_service_error_on_the_field_it_names_and_the_rest_above_the_form() -> None:
    request = _request("POST", {"name": "Ana"})
    form = NameForm(request.POST)

    def save() -> None:
        raise ValidationError({"name": "Taken.", "country": "Not this one."})

    response = form_view(request, form, save=save, done="/done/", template=TEMPLATE)
    assert response.status_code == 200
    assert form.errors["name"] == ["Taken."]
    assert form.non_field_errors() == ["Not this one."]
    assert _messages(request) == []


@pytest.mark.parametrize("refusal", [ConflictError("Changed meanwhile."), DomainError("Refused.")])
def test_it_puts_a_refusal_above_the_form(refusal: DomainError) -> None:
    request = _request("POST", {"name": "Ana"})
    form = NameForm(request.POST)

    def save() -> None:
        raise refusal

    form_view(request, form, save=save, done="/done/", template=TEMPLATE)
    assert form.non_field_errors() == [refusal.message]


def test_it_saves_only_when_the_formsets_are_valid_too() -> None:
    rows = forms.formset_factory(NameForm)
    data = {"name": "Ana", "rows-TOTAL_FORMS": "1", "rows-INITIAL_FORMS": "0", "rows-0-name": ""}
    request = _request("POST", data)
    formset = rows(request.POST, prefix="rows")
    formset.forms[0].empty_permitted = False
    response = form_view(
        request,
        NameForm(request.POST),
        formsets=[formset],
        save=_never,
        done="/",
        template=TEMPLATE,
    )
    assert response.status_code == 200


def test_it_works_out_a_context_function_only_when_the_page_is_shown() -> None:
    request = _request("POST", {"name": "Ana"})
    form = NameForm(request.POST)
    response = form_view(
        request, form, save=lambda: None, done="/done/", template=TEMPLATE, context=_no_context
    )
    assert response.status_code == 302


def test_a_button_says_a_stale_page_and_saves_nothing() -> None:
    request = _request("POST", {})
    response = action_view(
        request, NameForm(request.POST), save=_never, done="/case/", incomplete="Reload."
    )
    assert (response.status_code, response["Location"]) == (302, "/case/")
    assert _messages(request) == [("error", "Reload.")]


def test_a_button_reports_every_refusal_and_each_validation_message() -> None:
    request = _request("POST", {"name": "Ana"})

    def save() -> None:
        raise ValidationError(["First.", "Second."])

    action_view(request, NameForm(request.POST), save=save, done="/case/", success="Done.")
    assert _messages(request) == [("error", "First."), ("error", "Second.")]

    request = _request("POST", {"name": "Ana"})

    def conflict() -> None:
        raise ConflictError("Changed meanwhile.")

    action_view(request, NameForm(request.POST), save=conflict, done="/case/", success="Done.")
    assert _messages(request) == [("error", "Changed meanwhile.")]


def test_a_button_goes_back_with_the_success_message() -> None:
    request = _request("POST", {"name": "Ana"})
    form = NameForm(request.POST)
    response = action_view(
        request,
        form,
        save=lambda: form.cleaned_data["name"],
        done="/case/",
        success=lambda name: f"{name}: done.",
    )
    assert response["Location"] == "/case/"
    assert _messages(request) == [("success", "Ana: done.")]


def test_a_post_that_does_not_submit_the_form_only_shows_it_again() -> None:
    request = _request("POST", {"name": "Ana", "add-row": "1"})
    response = form_view(
        request,
        NameForm(request.POST),
        submitted=False,
        save=_never,
        done="/done/",
        template=TEMPLATE,
    )
    assert response.status_code == 200
