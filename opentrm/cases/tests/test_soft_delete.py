"""One soft-delete base (core.models.SoftDeletable): ``live()`` and a guarded ``soft_delete()``."""

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.cases.models import Case, CaseNote
from opentrm.cases.services import case_register


def _note(case: Case, world: World, text: str) -> CaseNote:
    actor = world.actor(Role.CASEWORKER)
    assert actor.membership is not None
    return CaseNote.objects.create(
        case=case, text=text, organisation=actor.membership.organisation, author=actor.user
    )


def test_it_marks_a_row_deleted_once_and_hides_it_from_live(world: World) -> None:
    case = case_register(actor=world.actor(Role.CASEWORKER))
    kept, gone = _note(case, world, "kept"), _note(case, world, "gone")
    user = world.actor(Role.CASE_MANAGER).user

    assert CaseNote.objects.filter(pk=gone.pk).soft_delete(by=user, reason="typo") == 1
    # A second deletion (e.g. a concurrent one) finds nothing left to mark and changes nothing.
    assert CaseNote.objects.filter(pk=gone.pk).soft_delete(by=user, reason="again") == 0

    gone.refresh_from_db()
    assert gone.is_deleted
    assert gone.deleted_by == user
    assert gone.deletion_reason == "typo"
    assert not kept.is_deleted
    assert list(CaseNote.objects.filter(case=case).live()) == [kept]


def test_it_keeps_deleted_cases_out_of_live_and_visible_lists(world: World) -> None:
    actor = world.actor(Role.CASEWORKER)
    case = case_register(actor=actor)
    assert case in Case.objects.live()
    assert case in Case.objects.visible_to(actor)
    Case.objects.filter(pk=case.pk).soft_delete(by=actor.user, reason="opened twice")
    assert case not in Case.objects.live()
    assert case not in Case.objects.visible_to(actor)
