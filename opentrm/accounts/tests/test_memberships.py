from django.test import Client
from django.urls import reverse

from conftest import World, make_member
from opentrm.accounts.models import Membership, User
from opentrm.accounts.policy import Action, actor_for
from opentrm.accounts.roles import Role
from opentrm.accounts.tests.factories import post_new_member
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent


def test_it_lets_only_data_protection_officers_view_the_audit_trail(world: World) -> None:
    allowed = {role for role in Role if world.actor(role).may(Action.AUDIT_VIEW)}
    assert allowed == {Role.DATA_PROTECTION_OFFICER}


def test_it_lets_only_directory_editors_edit_and_only_in_their_country(world: World) -> None:
    editor = world.actor(Role.DIRECTORY_EDITOR)
    assert editor.may_edit_directory_of(world.country_a.pk)
    assert not editor.may_edit_directory_of(world.country_b.pk)
    others = [role for role in Role if role != Role.DIRECTORY_EDITOR]
    assert not any(world.actor(role).may_edit_directory_of(world.country_a.pk) for role in others)


def test_it_gives_an_ended_membership_no_permission(world: World) -> None:
    membership = world.members_a[Role.DIRECTORY_EDITOR]
    membership.is_active = False
    membership.save()
    actor = actor_for(membership.user, membership.pk)
    assert actor.membership is None
    assert not actor.may(Action.DIRECTORY_VIEW)


def test_it_gives_a_deactivated_user_no_permission(world: World) -> None:
    user = world.user(Role.CASEWORKER)
    user.is_active = False
    user.save()
    assert not actor_for(user, None).may(Action.DIRECTORY_VIEW)


def test_it_asks_a_user_with_two_memberships_which_organisation_to_act_for(
    world: World, client: Client
) -> None:
    user = world.user(Role.CASEWORKER)
    second = Membership.objects.create(
        user=user, organisation=world.agency_c, role=Role.CASE_MANAGER
    )
    client.force_login(user)
    response = client.get(reverse("directory:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:choose_organisation")
    response = client.post(reverse("accounts:choose_organisation"), {"membership": second.pk})
    assert response.status_code == 302
    page = client.get(reverse("directory:home"))
    assert "Agency C Outsider NGO" in page.content.decode()
    assert AuditEvent.objects.filter(
        event_type=EventType.ORGANISATION_SWITCHED, organisation_id=world.agency_c.pk
    ).exists()


def test_it_cannot_be_moved_to_an_organisation_the_user_is_not_a_member_of(
    world: World, client: Client
) -> None:
    client.force_login(world.user(Role.CASEWORKER))
    foreign = world.members_b[Role.SYSTEM_ADMINISTRATOR]
    response = client.post(reverse("accounts:choose_organisation"), {"membership": foreign.pk})
    assert response.status_code == 200  # the form refuses the choice
    page = client.get(reverse("directory:home"))
    assert "Agency B Partner Shelter" not in page.content.decode()


def test_it_shows_a_user_without_membership_a_clear_refusal(world: World, client: Client) -> None:
    loner = User.objects.create_user(username="loner", password="irrelevant-password-1")
    client.force_login(loner)
    assert client.get(reverse("directory:home")).status_code == 403
    response = client.get(reverse("accounts:choose_organisation"))
    assert "not an active member" in response.content.decode()


def test_it_lets_an_administrator_add_a_member_to_her_own_organisation(
    world: World, client: Client
) -> None:
    client.force_login(world.user(Role.SYSTEM_ADMINISTRATOR))
    response = post_new_member(client, "new_worker", "New Worker", "new.worker@example.test")
    assert response.status_code == 302
    membership = Membership.objects.get(user__username="new_worker")
    assert membership.organisation == world.agency_a
    assert membership.role == Role.CASEWORKER
    assert AuditEvent.objects.filter(
        event_type=EventType.MEMBERSHIP_CREATED, target_id=str(membership.pk)
    ).exists()


def test_it_refuses_a_taken_user_name(world: World, client: Client) -> None:
    client.force_login(world.user(Role.SYSTEM_ADMINISTRATOR))
    response = post_new_member(client, "A_CASEWORKER", "Someone", "someone@example.test")
    assert response.status_code == 200
    assert "already taken" in response.content.decode()


def test_it_never_lets_an_administrator_raise_her_own_role(world: World, client: Client) -> None:
    admin = world.members_a[Role.SYSTEM_ADMINISTRATOR]
    client.force_login(admin.user)
    response = client.post(
        reverse("accounts:member_change", args=[admin.pk]),
        {"role": Role.DATA_PROTECTION_OFFICER, "is_active": "on"},
    )
    assert response.status_code == 302
    admin.refresh_from_db()
    assert admin.role == Role.SYSTEM_ADMINISTRATOR


def test_it_never_lets_a_user_change_a_membership_of_another_organisation(
    world: World, client: Client
) -> None:
    client.force_login(world.user(Role.SYSTEM_ADMINISTRATOR))
    foreign = world.members_b[Role.CASEWORKER]
    response = client.post(
        reverse("accounts:member_change", args=[foreign.pk]),
        {"role": Role.DIRECTORY_EDITOR, "is_active": "on"},
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.role == Role.CASEWORKER


def test_it_lets_no_other_role_manage_members(world: World, client: Client) -> None:
    target = world.members_a[Role.INTERPRETER]
    for role in Role:
        if role == Role.SYSTEM_ADMINISTRATOR:
            continue
        member_client = Client()
        member_client.force_login(world.user(role))
        response = member_client.post(
            reverse("accounts:member_change", args=[target.pk]),
            {"role": Role.DIRECTORY_EDITOR, "is_active": "on"},
        )
        assert response.status_code == 403, role
    target.refresh_from_db()
    assert target.role == Role.INTERPRETER


def test_it_changes_and_ends_a_membership(world: World, client: Client) -> None:
    client.force_login(world.user(Role.SYSTEM_ADMINISTRATOR))
    target = world.members_a[Role.INTERPRETER]
    client.post(
        reverse("accounts:member_change", args=[target.pk]),
        {"role": Role.CASEWORKER, "is_active": "on"},
    )
    target.refresh_from_db()
    assert target.role == Role.CASEWORKER
    client.post(reverse("accounts:member_change", args=[target.pk]), {"role": Role.CASEWORKER})
    target.refresh_from_db()
    assert not target.is_active
    ended = Client()
    ended.force_login(target.user)
    assert ended.get(reverse("directory:home")).status_code == 403


def test_it_creates_a_member_only_in_the_administrators_organisation(world: World) -> None:
    other_admin = make_member(world.agency_c, Role.SYSTEM_ADMINISTRATOR, "c_admin")
    client = Client()
    client.force_login(other_admin.user)
    post_new_member(client, "c_worker", "C Worker", "c.worker@example.test")
    assert Membership.objects.get(user__username="c_worker").organisation == world.agency_c


def test_it_refuses_a_common_initial_password_on_the_field(world: World, client: Client) -> None:
    client.force_login(world.user(Role.SYSTEM_ADMINISTRATOR))
    response = post_new_member(
        client, "weak_worker", "Weak Worker", "weak.worker@example.test", password="password1234"
    )
    assert response.status_code == 200
    assert 'id="id_password_error"' in response.content.decode()
    assert "breached or published" in response.content.decode()
    assert not Membership.objects.filter(user__username="weak_worker").exists()


def test_the_new_member_form_shows_the_services_mistakes_with_its_own(
    world: World, client: Client
) -> None:
    """Issue 12 §5: a taken user name and a weak password come with the form's own error (an
    e-mail address that is not one), after one submit."""
    client.force_login(world.user(Role.SYSTEM_ADMINISTRATOR))
    users = User.objects.count()
    response = client.post(
        reverse("accounts:member_list"),
        {
            "username": "A_CASEWORKER",
            "full_name": "Someone Fictive",
            "email": "not an address",
            "role": Role.CASEWORKER,
            "password": "123456789012",
        },
    )

    errors = response.context["form"].errors
    assert response.status_code == 200
    assert errors["email"] == ["Enter a valid email address."]  # the form's own
    assert errors["username"] == ["This user name is already taken."]  # the service's
    assert "This password is entirely numeric." in errors["password"]
    assert User.objects.count() == users


def _member_form_errors(client: Client, **values: str) -> dict[str, list[str]]:
    fields = {
        "username": "fictive_worker",
        "full_name": "Fictive Worker",
        "email": "fictive.worker@example.test",
        "role": Role.CASEWORKER,
        "password": "123456789012",
    }
    response = client.post(reverse("accounts:member_list"), fields | values)
    assert response.status_code == 200
    return dict(response.context["form"].errors)


def test_the_new_member_form_shows_a_user_name_the_accounts_refuse_with_a_short_password(
    world: World, client: Client
) -> None:
    """The form lets any text through as a user name; the account's own rule refuses spaces
    and punctuation, and says so with the form's error on the password (too short for the
    password rules to run), after one submit."""
    client.force_login(world.user(Role.SYSTEM_ADMINISTRATOR))
    users = User.objects.count()

    errors = _member_form_errors(client, username="fictive worker!", password="short")

    assert errors["username"] == [
        "Enter a valid username. This value may contain only letters, numbers, and "
        "@/./+/-/_ characters."
    ]
    assert errors["password"] == ["Ensure this value has at least 12 characters (it has 5)."]
    assert User.objects.count() == users


def test_the_new_member_form_says_a_taken_user_name_once(world: World, client: Client) -> None:
    """The very user name of a colleague: one message, not the account's own duplicate too."""
    client.force_login(world.user(Role.SYSTEM_ADMINISTRATOR))

    errors = _member_form_errors(client, username="a_caseworker", email="not an address")

    assert errors["username"] == ["This user name is already taken."]
    assert errors["email"] == ["Enter a valid email address."]


def test_the_new_member_form_asks_for_a_missing_user_name_once(
    world: World, client: Client
) -> None:
    client.force_login(world.user(Role.SYSTEM_ADMINISTRATOR))

    errors = _member_form_errors(client, username="")

    assert errors["username"] == ["This field is required."]
    assert "This password is entirely numeric." in errors["password"]
