"""Fetching one research dataset for an actor: 404 when missing or of another country."""

from django.http import Http404

from opentrm.accounts.policy import Action, Actor, rule
from opentrm.research.models import ResearchDataset


@rule(Action.RESEARCH_EXPORT, ResearchDataset)
def _research_dataset(actor: Actor, dataset: ResearchDataset) -> bool:
    """The national coordinators and statisticians of the dataset's country."""
    return (
        actor.may(Action.RESEARCH_EXPORT)
        and actor.country_id is not None
        and actor.country_id == dataset.country_id
    )


def access_dataset(actor: Actor, dataset_id: int) -> ResearchDataset:
    dataset = (
        ResearchDataset.objects.visible_to(actor)
        .select_related("country")
        .filter(pk=dataset_id)
        .first()
    )
    if dataset is None:
        raise Http404
    return dataset
