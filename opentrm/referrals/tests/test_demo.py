"""``make demo``'s data (``opentrm load_demo`` then ``opentrm load_demo_cases``) keeps the
promises of the README and of the walk it prints: a login for every role and at each
national focal point, shelter and NGO of Albania, Serbia and Moldova; agreements in force and
one not; cases at every stage in more than one country; a transnational referral waiting in one
focal point's inbox and in nobody else's."""

import re
from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoDbBlocker, Settings

from opentrm.accounts.models import Membership, User
from opentrm.accounts.passwords import DEMO_PASSWORD
from opentrm.accounts.roles import Role
from opentrm.agreements import selectors as agreement_selectors
from opentrm.agreements import states as agreement_states
from opentrm.agreements.models import Agreement
from opentrm.audit.chain import find_first_problem
from opentrm.audit.models import AuditEvent
from opentrm.cases.demo import demo_actor, demo_public_id
from opentrm.cases.models import Case, ChildSafeguards, IdentificationStatus, ReturnStatus
from opentrm.cases.states import reflection_period_running
from opentrm.directory.models import OrganisationType
from opentrm.referrals.demo import load_demo_cases
from opentrm.referrals.demo import walk as demo_walk
from opentrm.referrals.models import Referral, ReferralKind, ReferralStatus
from opentrm.referrals.services import national, transnational
from opentrm.referrals.services.routing import focal_point

pytestmark = pytest.mark.django_db

COUNTRIES = ("AL", "RS", "MD")


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[str]:
    """Both loaders, once for the module, in a transaction rolled back at its end; what they
    printed. Like Django's TestCase, the outer transaction lets the durable blocks of the
    transnational services nest in it."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer._from_testcase = True  # type: ignore[attr-defined]
        outer.__enter__()
        try:
            out = StringIO()
            call_command("load_demo", stdout=out)
            call_command("load_demo_cases", stdout=out)
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield out.getvalue()
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def test_the_cases_need_the_demo_logins_first(db: None) -> None:
    # First in the module: the module's demo fixture is not loaded yet.
    with pytest.raises(CommandError, match="load_demo"):
        call_command("load_demo_cases")


def test_the_cases_are_refused_on_a_production_node(db: None, settings: Settings) -> None:
    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="production"):
        call_command("load_demo_cases")


def log_in(client: Client, username: str) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": username, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302, username
    assert client.session.get("_auth_user_id") == str(User.objects.get(username=username).pk)


def pending_referral() -> Referral:
    return Referral.objects.get(case__public_id=demo_public_id("to-moldova"))


def test_every_demo_login_logs_in_and_every_role_has_one_per_country(
    demo: str, client: Client
) -> None:
    for code in COUNTRIES:
        roles = set(
            Membership.objects.filter(
                organisation__country__code=code, user__username__startswith=f"{code.lower()}."
            ).values_list("role", flat=True)
        )
        assert roles == set(Role.values), code
    usernames = re.findall(r"^  ([a-z]{2}\.[a-z_]+) ", demo, flags=re.MULTILINE)
    assert len(usernames) == User.objects.count() == 3 * (len(Role) + 3)
    for username in usernames:
        log_in(client, username)
        client.logout()


def test_each_country_has_a_login_at_its_focal_point_a_shelter_and_an_ngo(demo: str) -> None:
    for code in COUNTRIES:
        point = focal_point(code)
        assert point is not None
        logins = {
            m.user.username: m
            for m in Membership.objects.filter(organisation__country__code=code).select_related(
                "user", "organisation"
            )
        }
        prefix = code.lower()
        assert logins[f"{prefix}.focal_point"].organisation == point
        assert logins[f"{prefix}.focal_point"].role == Role.CASE_MANAGER
        assert logins[f"{prefix}.shelter"].organisation.type == OrganisationType.SHELTER
        assert logins[f"{prefix}.ngo"].organisation.type == OrganisationType.NGO


def test_some_agreements_are_in_force_and_one_is_not(demo: str) -> None:
    today = timezone.localdate()
    in_force = {
        a.title: agreement_states.is_in_force(agreement_selectors.agreement_detail(a.pk), today)
        for a in Agreement.objects.all()
    }
    assert sum(in_force.values()) == 3
    assert in_force == {
        "Shelter placements in Tirana (fictional)": True,
        "Transnational referral protocol Albania-Moldova (fictional)": True,
        "Transnational referral protocol Albania-Serbia (fictional)": False,
        "Shelter placements in Belgrade (fictional)": True,
    }


def test_cases_are_at_every_stage_in_several_countries(demo: str) -> None:
    today = timezone.localdate()
    cases = {c.public_id: c for c in Case.objects.select_related("owner_organisation__country")}

    def case(key: str) -> Case:
        return cases[demo_public_id(key)]

    new = case("at-work")
    assert new.identification_status == IdentificationStatus.PRESUMED
    assert not new.identification_decisions.exists()
    assert case("md-new").owner_organisation.country.code == "MD"
    assert case("rs-identified").identification_status == IdentificationStatus.IDENTIFIED_FORMALLY
    assert reflection_period_running(case("adult"), today) is not None
    assert case("rs-returned").return_status == ReturnStatus.COMPLETED
    assert reflection_period_running(case("rs-returned"), today) is None
    referred = Referral.objects.filter(case=case("adult"), status=ReferralStatus.ACCEPTED)
    assert referred.get().receiver_organisation.type == OrganisationType.SHELTER
    countries = {c.owner_organisation.country.code for c in cases.values()}
    assert countries == set(COUNTRIES)
    # a child case with a named guardian, and cases with a named case manager
    safeguards = ChildSafeguards.objects.get(case=case("child"))
    assert safeguards.guardian is not None
    assert safeguards.guardian.username == "al.guardian"
    managed = {
        c.public_id
        for c in cases.values()
        if c.participants.filter(case_manager__isnull=False).exists()
    }
    assert {demo_public_id(k) for k in ("adult", "to-moldova", "rs-identified")} <= managed


def test_the_pending_referral_waits_in_moldovas_focal_point_inbox_only(
    demo: str, client: Client
) -> None:
    referral = pending_referral()
    assert referral.kind == ReferralKind.TRANSNATIONAL
    assert referral.status == ReferralStatus.SENT
    assert referral.receiver_organisation == focal_point("MD")
    assert "identity" in referral.shared_groups
    page = reverse("referrals:referral_detail", args=[referral.public_id])

    log_in(client, "md.focal_point")
    inbox = client.get(reverse("referrals:referral_list")).content.decode()
    assert referral.reference in inbox
    assert client.get(page).status_code == 200
    for other in ("rs.focal_point", "al.focal_point", "md.ngo"):
        client.logout()
        log_in(client, other)
        assert (
            referral.reference
            not in client.get(reverse("referrals:referral_list")).content.decode()
        )
        assert client.get(page).status_code == 404, other


def test_the_walk_names_existing_logins_and_the_waiting_referral(demo: str) -> None:
    walk = demo[demo.index("Try this") :]
    named = set(re.findall(r"\b(?:al|rs|md)\.[a-z_]+", walk))
    assert {
        "md.focal_point",
        "al.caseworker",
        "al.shelter",
        "rs.focal_point",
        "al.guardian",
    } <= named
    assert set(User.objects.filter(username__in=named).values_list("username", flat=True)) == named
    assert pending_referral().reference in walk
    assert "already answered" not in walk
    assert DEMO_PASSWORD in demo


def test_the_walk_says_when_the_waiting_referral_was_already_answered(demo: str) -> None:
    referral = pending_referral()
    national.referral_acknowledge(
        actor=demo_actor("md.focal_point"), referral=referral, expected_version=referral.version
    )

    walk = "\n".join(demo_walk(load_demo_cases()))

    assert f"{referral.reference} (from Albania, Acknowledged)" in walk
    assert "already answered" in walk


def test_the_childs_referral_to_its_country_of_origin_is_refused(demo: str) -> None:
    child = Case.objects.get(public_id=demo_public_id("child"))

    with pytest.raises(ValidationError, match="asylum"):
        transnational.transnational_create(
            actor=demo_actor("al.case_manager"), case=child, country_code="MD"
        )

    assert not Referral.objects.filter(case=child).exists()


def test_loading_again_changes_nothing_and_the_trail_is_intact(demo: str) -> None:
    counts = (
        Case.objects.count(),
        Referral.objects.count(),
        Agreement.objects.count(),
        AuditEvent.objects.count(),
    )
    out = StringIO()
    call_command("load_demo", stdout=out)
    call_command("load_demo_cases", stdout=out)
    assert (
        Case.objects.count(),
        Referral.objects.count(),
        Agreement.objects.count(),
        AuditEvent.objects.count(),
    ) == counts
    assert "nothing changed" in out.getvalue()
    assert find_first_problem() is None
