"""The case list with its search (docs/cases.md, "Finding a case").

Filters other than the name live in the URL (a GET form, so a search can be bookmarked and
shared). A name never does: the form is posted; posted without a name it redirects to the URL
of its filters, posted with a name it answers with the results directly, and its pages are
posted too. So no name reaches the address bar, the browser history, a proxy's or the server's
access log, or a Referer header.
"""

from datetime import date
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action
from opentrm.cases import selectors
from opentrm.cases.forms_search import URL_FIELDS, CaseSearchForm
from opentrm.cases.models import Case
from opentrm.cases.sharing import prime_sharing
from opentrm.core.forms import quick_fields
from opentrm.core.html import escape_cell
from opentrm.core.pagination import CappedPaginator, ProbePaginator

PAGE_SIZE = 50


def _url_query(form: CaseSearchForm) -> str:
    """The filters as a query string, empty ones left out, the name never in."""
    pairs: list[tuple[str, str]] = []
    for name in URL_FIELDS:
        value = form.cleaned_data.get(name)
        if value in (None, "", False):
            continue
        if value is True:
            pairs.append((name, "1"))
        elif isinstance(value, date):
            pairs.append((name, value.isoformat()))
        else:
            pairs.append((name, str(value)))
    return urlencode(pairs)


def rows_html(rows: list[selectors.CaseRow]) -> SafeString:
    """The table's rows, written here rather than by the template (a template's lookups per
    cell of 50 rows cost more than the rest of the request, issue 18); every value escaped."""
    case, person = escape(_("Case")), escape(_("Person"))
    opened, identification = escape(_("Opened")), escape(_("Identification"))
    owner = escape(_("Owner"))
    child = f' <span class="badge">{escape(_("child"))}</span>'
    return mark_safe(  # noqa: S308 - every value escaped above or here
        "\n".join(
            f'<tr>\n    <td data-label="{case}"><a href="{escape_cell(row.url)}">'
            f"{escape_cell(row.number)}</a></td>\n"
            f'    <td data-label="{person}">{escape_cell(row.display_name)}'
            f"{child if row.is_child else ''}</td>\n"
            f'    <td data-label="{opened}">{escape_cell(row.opened)}</td>\n'
            f'    <td data-label="{identification}">{escape_cell(row.identification)}</td>\n'
            f'    <td data-label="{owner}">{escape_cell(row.owner)}</td>\n  </tr>'
            for row in rows
        )
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.CASE_VIEW)
def case_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    actor = request.actor
    if request.method == "POST":
        form = CaseSearchForm(request.POST, actor=actor)
        if form.is_valid() and not form.cleaned_data.get("name"):
            query = _url_query(form)
            return HttpResponseRedirect(
                reverse("cases:case_list") + (f"?{query}" if query else ""), status=303
            )
        page_number = request.POST.get("page")
    else:
        data = request.GET.copy()
        data.pop("name", None)  # a name in a URL is never used, nor shown back
        form = CaseSearchForm(data, actor=actor)
        page_number = request.GET.get("page")
    valid = form.is_valid()
    search = form.search() if valid else None
    mine_only = valid and bool(form.cleaned_data.get("mine"))
    cases = selectors.case_list(
        actor=actor, mine_only=mine_only, search=search, first_name_only=True
    )
    if not valid:
        cases = cases.none()
    # The plain list and "my cases" never count (a next-page probe); a narrowing search
    # counts up to 1,000 cases past this page: "more than …" (core.pagination).
    paginator: Paginator[Case] = (
        CappedPaginator(cases, PAGE_SIZE, number=page_number)
        if search is not None and search.narrows()
        else ProbePaginator(cases, PAGE_SIZE)
    )
    page = paginator.get_page(page_number)
    rows = list(page)
    prime_sharing(actor, rows)  # names of cases owned elsewhere only if identity is shared
    selectors.cases_listed(
        actor=actor, cases=rows, via="web", search=search.audit_detail() if search else None
    )
    return render(
        request,
        "cases/case_list.html",
        {
            "page": page,
            "rows": rows_html(selectors.case_rows(actor=actor, cases=rows)),
            "form": form,
            "form_fields": quick_fields(form),
            "mine_only": mine_only,
            "by_name": valid and bool(form.cleaned_data.get("name")),
            "query": _url_query(form) if valid else "",
        },
    )
