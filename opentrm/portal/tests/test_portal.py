"""The portal as a visitor and as members meet it: public pages without a session, profiles
kept by the country's own editors, the library's per-item access, search and versions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from conftest import World
from opentrm.accounts.roles import Role
from opentrm.audit.models import AuditEvent
from opentrm.catalogue.loader import load_catalogue
from opentrm.core.errors import ConflictError
from opentrm.directory.models import ContactPoint, Function, Responsibility
from opentrm.portal import glossary_index
from opentrm.portal.models import CountryProfile, GlossaryTerm, NationalTerm, Resource, Visibility
from opentrm.portal.search import config_for, glossary_matches, portal_search
from opentrm.portal.services import (
    GLOSSARY_FILE,
    PROFILE_FIELDS,
    glossary_load,
    profile_update,
    profiles_load,
    resource_add,
    shipped,
)
from opentrm.portal.templatetags.portal import glossary_tip
from opentrm.referrals.models import ReferralKind

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% fictional handbook\n"


@pytest.fixture
def portal(world: World) -> World:
    glossary_load()
    profiles_load()
    glossary_index.forget()
    return world


def _values(profile: CountryProfile, **changes: object) -> dict[str, object]:
    return {name: changes.get(name, getattr(profile, name)) for name in PROFILE_FIELDS}


# --- public pages -------------------------------------------------------------------------------


def test_it_serves_the_glossary_in_albanian_to_a_visitor_without_a_session(portal: World) -> None:
    response = Client().get(reverse("portal:glossary", args=["sq"]))
    assert response.status_code == 200
    assert "Viktimë e supozuar" in response.text
    assert response["Content-Language"] == "sq"
    assert response["Cache-Control"].startswith("public")
    assert "Cookie" not in response.get("Vary", "")
    assert not response.cookies  # no session, no CSRF cookie
    assert "<script" not in response.text


@pytest.mark.parametrize("language", ["en", "sq", "ro", "sr"])
def test_it_serves_an_sop_guide_in_every_language(portal: World, language: str) -> None:
    response = Client().get(reverse("portal:sop_guide", args=[language, "sop1"]))
    assert response.status_code == 200
    with translation.override(language):
        measure = load_catalogue().sop("sop1").measures[0]
        assert measure.name in response.text
        assert measure.guidance.how in response.text
    assert "Cookie" not in response.get("Vary", "")


def test_it_shows_a_countrys_variant_of_an_sop_guide(portal: World) -> None:
    from opentrm.cases.models import MeasureSetting

    MeasureSetting.objects.create(
        country=portal.country_a,
        code="sop1.initial_referral",
        label="Referimi i parë kombëtar",
        guidance="Call the national hotline first.",
    )
    url = reverse("portal:sop_guide", args=["en", "sop1"])
    assert "Call the national hotline first." in Client().get(url, {"country": "AL"}).text
    assert "Call the national hotline first." not in Client().get(url).text


def test_it_shows_public_profile_parts_but_never_the_contacts(portal: World) -> None:
    contact = ContactPoint.objects.create(
        organisation=portal.agency_a, position="Focal desk", person_name="Fictional Person"
    )
    Responsibility.objects.create(
        country=portal.country_a,
        function=Function.NATIONAL_FOCAL_POINT,
        organisation=portal.agency_a,
        contact_point=contact,
    )
    response = Client().get(reverse("portal:country_profile", args=["sq", "AL"]))
    assert response.status_code == 200
    assert "110/a" in response.text
    assert "Fictional Person" not in response.text


def test_it_flags_a_profile_not_reviewed_for_a_year(portal: World) -> None:
    profile = CountryProfile.objects.get(country=portal.country_a)
    profile.reviewed_on = timezone.localdate() - timedelta(days=400)
    profile.save()
    page = Client().get(reverse("portal:country_profile", args=["en", "AL"])).text
    assert 'class="stale"' in page
    profile.reviewed_on = timezone.localdate()
    profile.save()
    page = Client().get(reverse("portal:country_profile", args=["en", "AL"])).text
    assert 'class="stale"' not in page


def test_it_hides_a_profile_kept_for_members_from_visitors(portal: World) -> None:
    CountryProfile.objects.filter(country=portal.country_a).update(visibility=Visibility.MEMBERS)
    assert Client().get(reverse("portal:country_profile", args=["en", "AL"])).status_code == 404


def test_it_seeds_the_profiles_of_the_countries_listed_only_once(portal: World) -> None:
    assert set(CountryProfile.objects.values_list("country__code", flat=True)) == {"AL", "RO"}
    profile = CountryProfile.objects.get(country=portal.country_b)
    profile.legislation = "Edited by the country"
    profile.save()
    assert profiles_load() == 0
    profile.refresh_from_db()
    assert profile.legislation == "Edited by the country"


# --- country profiles: the country's own editors -------------------------------------------------


def test_a_country_editor_saves_the_profile_and_the_review_date_moves(
    portal: World, client: Client
) -> None:
    profile = CountryProfile.objects.get(country=portal.country_a)
    assert profile.reviewed_on is None
    client.force_login(portal.user(Role.DIRECTORY_EDITOR))
    url = reverse("portal:profile_edit", args=["AL"])
    data = {**_values(profile, national_action_plan="NAP 2024-2027"), "version": profile.version}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    response = client.post(url, data)
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.national_action_plan == "NAP 2024-2027"
    assert profile.reviewed_on == timezone.localdate()
    event = AuditEvent.objects.filter(event_type="COUNTRY_PROFILE_CHANGED").latest("sequence")
    assert "national_action_plan" in event.changed_fields


def test_an_editor_of_another_country_may_not_change_the_profile(portal: World) -> None:
    profile = CountryProfile.objects.get(country=portal.country_a)
    with pytest.raises(PermissionDenied):
        profile_update(
            actor=portal.actor(Role.DIRECTORY_EDITOR, org="b"),
            profile=profile,
            values=_values(profile),
            expected_version=profile.version,
        )


def test_a_stale_profile_form_is_refused(portal: World) -> None:
    editor = portal.actor(Role.NATIONAL_COORDINATOR)
    profile = CountryProfile.objects.get(country=portal.country_a)
    old = profile.version
    profile_update(actor=editor, profile=profile, values=_values(profile), expected_version=old)
    stale = CountryProfile.objects.get(country=portal.country_a)
    with pytest.raises(ConflictError):
        profile_update(
            actor=editor,
            profile=stale,
            values=_values(stale, legislation="x"),
            expected_version=old,
        )


def test_members_see_the_contacts_and_the_read_is_audited(portal: World, client: Client) -> None:
    Responsibility.objects.create(
        country=portal.country_a,
        function=Function.NATIONAL_COORDINATOR,
        organisation=portal.agency_a,
    )
    client.force_login(portal.user(Role.CASEWORKER, org="b"))
    response = client.get(reverse("portal:country_contacts", args=["AL"]))
    assert response.status_code == 200
    assert portal.agency_a.name in response.text
    assert "Edit the profile" not in response.text
    assert AuditEvent.objects.filter(event_type="COUNTRY_CONTACTS_VIEWED").exists()


# --- the library ----------------------------------------------------------------------------------


def _item(world: World, visibility: str, **extra: object) -> Resource:
    return resource_add(
        actor=world.actor(Role.DIRECTORY_EDITOR),
        kind="handbook",
        title=f"Fictional {visibility} handbook",
        language="sq",
        upload=SimpleUploadedFile("handbook.pdf", PDF),
        visibility=visibility,
        **extra,  # type: ignore[arg-type]
    )


def test_a_public_item_downloads_without_a_session(
    portal: World, settings: object, tmp_path: object
) -> None:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    item = _item(portal, Visibility.PUBLIC)
    response = Client().get(reverse("portal:resource_file", args=[item.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert response["Cache-Control"].startswith("public")
    assert not AuditEvent.objects.filter(event_type="RESOURCE_DOWNLOADED").exists()
    page = Client().get(reverse("portal:library", args=["en"])).text
    assert "Fictional public handbook" in page


def test_an_item_for_named_organisations_reaches_only_them(
    portal: World, settings: object, tmp_path: object
) -> None:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    item = _item(portal, Visibility.ORGANISATIONS, organisations=[portal.agency_b])
    url = reverse("portal:resource_file", args=[item.pk])
    assert Client().get(url).status_code == 404
    outsider = Client()
    outsider.force_login(portal.members_a[Role.CASEWORKER].user)  # the owner organisation
    assert outsider.get(url).status_code == 200
    partner = Client()
    partner.force_login(portal.user(Role.CASEWORKER, org="b"))
    assert partner.get(url)["Cache-Control"].startswith("no-store")
    assert AuditEvent.objects.filter(event_type="RESOURCE_DOWNLOADED").count() == 2
    assert (
        "Fictional organisations handbook"
        not in Client().get(reverse("portal:library", args=["en"])).text
    )


def test_a_members_item_is_hidden_from_visitors(
    portal: World, settings: object, tmp_path: object
) -> None:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    item = _item(portal, Visibility.MEMBERS)
    assert Client().get(reverse("portal:resource_file", args=[item.pk])).status_code == 404
    member = Client()
    member.force_login(portal.user(Role.STATISTICIAN, org="b"))
    page = member.get(reverse("portal:member_library")).text
    assert "Fictional members handbook" in page
    assert "pair=sq-en" in page  # the blank template per language pair
    for kind in ReferralKind.requests():  # and every request kind's blank form
        assert reverse("referrals:request_blank", args=[kind.value]) in page
        assert escape(str(kind.label)) in page
    assert page.count('<option value="sq-sr">') == len(ReferralKind.requests())


def test_the_library_refuses_files_of_another_type(portal: World) -> None:
    with pytest.raises(ValidationError) as refused:
        resource_add(
            actor=portal.actor(Role.DIRECTORY_EDITOR),
            kind="template",
            title="Spreadsheet",
            language="en",
            upload=SimpleUploadedFile("x.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00"),
        )
    assert "file" in refused.value.message_dict
    assert not Resource.objects.exists()


def test_only_editors_add_library_items(portal: World) -> None:
    with pytest.raises(PermissionDenied):
        resource_add(
            actor=portal.actor(Role.CASEWORKER),
            kind="law",
            title="Law",
            language="en",
            url="https://example.test/law",
        )


def test_the_library_form_names_each_organisation_with_its_type_and_country(
    portal: World,
) -> None:
    client = Client()
    client.force_login(portal.user(Role.DIRECTORY_EDITOR, org="b"))
    page = client.get(reverse("portal:resource_create")).content.decode()
    # Check boxes grouped by country, the editor's own first: Romania before Albania.
    assert page.index("Agency B Partner Shelter — Shelter, Romania") < page.index(
        "Agency A Centre for Social Work — Social services, Albania"
    )
    assert 'name="organisations"' in page


# --- search, glossary versions, tooltips -------------------------------------------------------


def test_search_finds_glossary_terms_sop_guides_and_visible_items(portal: World) -> None:
    titles = [hit.title for hit in portal_search("supozuar", "sq", None)]
    assert "Viktimë e supozuar" in titles
    with translation.override("en"):
        kinds = {hit.kind for hit in portal_search("reflection", "en", None)}
    assert "sop" in kinds
    resource_add(
        actor=portal.actor(Role.DIRECTORY_EDITOR),
        kind="good_practice",
        title="Fictional roundtable practice",
        language="en",
        url="https://example.test/practice",
        visibility=Visibility.MEMBERS,
    )
    assert not [h for h in portal_search("roundtable", "en", None) if h.kind == "resource"]
    member = portal.actor(Role.CASEWORKER, org="b")
    assert [h for h in portal_search("roundtable", "en", member) if h.kind == "resource"]


def test_the_public_search_page_answers_in_the_language_of_the_path(portal: World) -> None:
    response = Client().get(reverse("portal:search", args=["sr"]), {"q": "старатељ"})
    assert response.status_code == 200
    assert "Старатељ" in response.text


def test_a_changed_definition_becomes_a_new_version_and_the_old_one_stays(portal: World) -> None:
    data = shipped(GLOSSARY_FILE)
    data["terms"][0]["texts"]["en"]["definition"] = "A revised definition."
    assert glossary_load(data) == 1
    term = GlossaryTerm.objects.get(slug=data["terms"][0]["slug"])
    assert term.version == 2
    old = term.revisions.get(version=1).snapshot
    assert old["texts"]["en"]["definition"] != "A revised definition."
    assert glossary_load(data) == 0


def test_a_form_label_naming_a_term_gets_its_definition_as_a_tooltip(portal: World) -> None:
    with translation.override("sq"):
        html = glossary_tip("Kujdestar")
    assert 'class="glossary-tip"' in html
    assert "interesin më të lartë" in html
    assert reverse("portal:glossary_term", args=["sq", "guardian"]) in html
    with translation.override("en"):
        assert glossary_tip("Date of birth") == ""


def test_the_case_register_form_shows_the_presumed_victim_tooltip(
    portal: World, client: Client
) -> None:
    client.force_login(portal.user(Role.CASEWORKER))
    page = client.get(reverse("cases:case_register")).text
    assert reverse("portal:glossary_term", args=["en", "presumed-victim"]) in page


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL full-text search (the SQLite fallback matches words as written)",
)
def test_postgresql_stems_english_and_ignores_albanian_accents(portal: World) -> None:
    assert config_for("sq") == "opentrm_sq"
    english = [text.term.slug for text in glossary_matches("exploited victims", "en")]
    assert "potential-victim" in english  # "exploited" ~ "exploitation", "victims" ~ "victim"
    albanian = [text.term.slug for text in glossary_matches("perfshirje", "sq")]
    assert "social-inclusion" in albanian  # "Përfshirje sociale" without its accent


@pytest.mark.parametrize(
    ("name", "args", "budget"),
    [
        ("portal:glossary", ["sq"], 1),
        ("portal:glossary_term", ["sq", "trafficking-in-human-beings"], 5),
        ("portal:sop_guide", ["sq", "sop1"], 2),
        ("portal:country_list", ["sq"], 2),
        ("portal:country_profile", ["sq", "AL"], 2),
        ("portal:library", ["sq"], 1),
    ],
)
def test_public_pages_keep_to_a_query_budget(
    portal: World, django_assert_max_num_queries: object, name: str, args: list[str], budget: int
) -> None:
    client = Client()
    with django_assert_max_num_queries(budget):  # type: ignore[operator]
        assert client.get(reverse(name, args=args)).status_code == 200


def test_a_country_editor_adds_and_removes_the_countrys_own_term(
    portal: World, client: Client
) -> None:
    client.force_login(portal.user(Role.NATIONAL_COORDINATOR))
    url = reverse("portal:national_terms", args=["presumed-victim"])
    response = client.post(url, {"name": "viktimë e dyshuar", "language": "sq"})
    assert response.status_code == 302
    added = NationalTerm.objects.get(name="viktimë e dyshuar")
    assert added.country == portal.country_a  # always the editor's own country
    page = Client().get(reverse("portal:glossary_term", args=["en", "presumed-victim"])).text
    assert "viktimë e dyshuar" in page
    # Romania's editor may not remove Albania's term.
    other = Client()
    other.force_login(portal.user(Role.DIRECTORY_EDITOR, org="b"))
    remove = reverse("portal:national_term_remove", args=[added.pk])
    assert other.post(remove).status_code == 403
    assert client.post(remove).status_code == 302
    assert not NationalTerm.objects.filter(pk=added.pk).exists()
    events = AuditEvent.objects.filter(event_type="GLOSSARY_TERM_CHANGED", actor_id__isnull=False)
    assert events.count() == 2


def test_the_owner_reviews_and_takes_an_item_out_of_the_library(
    portal: World, client: Client
) -> None:
    item = resource_add(
        actor=portal.actor(Role.DIRECTORY_EDITOR),
        kind="awareness",
        title="Fictional leaflet",
        language="sq",
        url="https://example.test/leaflet",
        reviewed_on=timezone.localdate() - timedelta(days=500),
    )
    client.force_login(portal.user(Role.NATIONAL_COORDINATOR))
    library = client.get(reverse("portal:member_library")).text
    assert 'class="stale"' in library
    client.post(reverse("portal:resource_review", args=[item.pk]), {"version": item.version})
    item.refresh_from_db()
    assert item.reviewed_on == timezone.localdate()
    # A page opened before the review is stale: its deletion is refused.
    delete = reverse("portal:resource_delete", args=[item.pk])
    client.post(delete, {"version": item.version - 1, "reason": "outdated"})
    assert Resource.objects.live().filter(pk=item.pk).exists()
    client.post(delete, {"version": item.version, "reason": "outdated"})
    assert not Resource.objects.live().filter(pk=item.pk).exists()
    assert Resource.objects.get(pk=item.pk).deletion_reason == "outdated"
    assert AuditEvent.objects.filter(event_type="RESOURCE_DELETED").exists()
    assert "Fictional leaflet" not in client.get(reverse("portal:member_library")).text


def test_a_public_page_fetched_with_a_session_is_kept_out_of_shared_caches(
    portal: World, client: Client
) -> None:
    client.force_login(portal.user(Role.CASEWORKER))
    response = client.get(reverse("portal:glossary", args=["sq"]))
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("private")
    assert "Viktimë e supozuar" in response.text


def test_the_public_library_filters_by_type_language_and_country(portal: World) -> None:
    for title, kind, language, country in [
        ("Fictional law of Albania", "law", "sq", portal.country_a),
        ("Fictional regional instrument", "instrument", "en", None),
    ]:
        resource_add(
            actor=portal.actor(Role.DIRECTORY_EDITOR),
            kind=kind,
            title=title,
            language=language,
            country=country,
            url="https://example.test/item",
            visibility=Visibility.PUBLIC,
        )
    url = reverse("portal:library", args=["en"])
    by_country = Client().get(url, {"country": "al"}).text
    assert "Fictional law of Albania" in by_country
    assert "Fictional regional instrument" not in by_country
    by_kind = Client().get(url, {"kind": "instrument", "language": "en"}).text
    assert "Fictional regional instrument" in by_kind
    assert "Fictional law of Albania" not in by_kind


def test_the_library_form_shows_the_services_mistakes_with_its_own(portal: World) -> None:
    """Issue 12 §5: a file of a type the library does not take comes with the form's own
    error (no title), after one submit."""
    client = Client()
    client.force_login(portal.user(Role.DIRECTORY_EDITOR))
    response = client.post(
        reverse("portal:resource_create"),
        {
            "title": "",
            "kind": "law",
            "language": "en",
            "visibility": Visibility.MEMBERS,
            "file": SimpleUploadedFile("tool.bin", b"\x7fELF\x02\x01\x01" + b"\x00" * 64),
        },
    )

    errors = response.context["form"].errors
    assert response.status_code == 200
    assert errors["title"] == ["This field is required."]  # the form's own
    assert errors["file"] == ["Only PDF, PNG, JPEG or plain-text files can be added."]
    assert not Resource.objects.exists()
