"""Research datasets' pages. Thin: the action gate, then a service."""

from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action
from opentrm.core.views import form_view
from opentrm.research import kanon, services, synthetic
from opentrm.research.access import access_dataset
from opentrm.research.forms import GenerateForm
from opentrm.research.models import DatasetKind, ResearchDataset
from opentrm.research.selectors import datasets_for


def _generate(request: AuthenticatedHttpRequest, form: GenerateForm) -> ResearchDataset:
    data = form.cleaned_data
    if data["kind"] == DatasetKind.SYNTHETIC:
        return services.synthetic_generate(
            actor=request.actor, epsilon=data["epsilon"] or synthetic.DEFAULT_EPSILON
        )
    return services.kanon_generate(actor=request.actor, k=data["k"] or kanon.DEFAULT_K)


@require_http_methods(["GET", "POST"])
@actor_required(Action.RESEARCH_EXPORT)
def dataset_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = GenerateForm(request.POST or None, initial={"kind": DatasetKind.K_ANONYMOUS})
    return form_view(
        request,
        form,
        save=lambda: _generate(request, form),
        done=lambda dataset: redirect(reverse("research:dataset_list") + f"#dataset-{dataset.pk}"),
        success=lambda dataset: (
            _("Dataset generated: %(count)s records.") % {"count": dataset.records_out}
        ),
        template="research/dataset_list.html",
        context=lambda: {"datasets": datasets_for(request.actor)},
    )


@require_GET
@actor_required(Action.RESEARCH_EXPORT)
def dataset_download(request: AuthenticatedHttpRequest, dataset_id: int) -> HttpResponse:
    dataset = access_dataset(request.actor, dataset_id)
    content = services.download(actor=request.actor, dataset=dataset)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{dataset.filename}"'
    return response
