"""The anonymous feedback form of assisted persons: no login, no session, nothing kept about
the sender (see ``feedback.py``). A person types the code of the slip they were given, or opens
the link printed with it, answers, and sees a thank-you page."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from opentrm.core.errors import DomainError
from opentrm.core.forms import add_service_errors
from opentrm.monitoring import feedback
from opentrm.monitoring.forms import CodeForm, FeedbackForm


def _unknown(request: HttpRequest, form: CodeForm) -> HttpResponse:
    if not feedback.unknown_code_allowed():
        form.add_error(None, _("Too many wrong codes were tried just now. Try again later."))
        return render(request, "feedback/start.html", {"form": form}, status=429)
    form.add_error("code", _("This code is not valid. Check it against your paper."))
    return render(request, "feedback/start.html", {"form": form}, status=404)


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    """Ask for the code (a GET form, so the browser's back button works without resubmitting)."""
    if "code" not in request.GET:
        return render(request, "feedback/start.html", {"form": CodeForm()})
    form = CodeForm(request.GET)
    if form.is_valid():
        code = feedback.code_for_answering(form.cleaned_data["code"])
        if code is not None:
            return redirect("feedback:answer", code=code.code)
        return _unknown(request, form)
    return render(request, "feedback/start.html", {"form": form}, status=400)


@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, code: str) -> HttpResponse:
    found = feedback.code_for_answering(code)
    if found is None:
        return _unknown(request, CodeForm({"code": code}))
    form = FeedbackForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                feedback.feedback_submit(code=found, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            except DomainError as error:
                form.add_error(None, error.message)
                status = 429
            else:
                return redirect("feedback:thanks")
    return render(
        request,
        "feedback/answer.html",
        {"form": form, "organisation": found.organisation.name},
        status=status,
    )


@require_GET
def thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "feedback/thanks.html")
