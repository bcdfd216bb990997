"""The main navigation and the language list, rendered once per process for each set of
permissions and language (``core.fragments``, issue 18), are each user's and language's own."""

from django.test import Client
from django.urls import reverse
from django.utils import translation

from conftest import World
from opentrm.accounts.roles import Role


def _nav(client: Client, user: object, language: str = "en") -> str:
    client.force_login(user)  # type: ignore[arg-type]
    page = client.get(reverse("notifications:home"), HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    html = page.content.decode()
    nav = html[html.index('<nav aria-label="') : html.index("</nav>")]
    return nav + html[html.index('<select name="language"') : html.index("</select>")]


def test_each_role_and_language_gets_its_own_navigation(world: World, client: Client) -> None:
    """The navigation and the language list are rendered once per process for each set of
    permissions and language (core.fragments): a second user or language never gets the
    first one's."""
    cases, members = f'href="{reverse("cases:case_list")}"', reverse("accounts:member_list")
    manager = _nav(client, world.user(Role.CASE_MANAGER))
    admin = _nav(client, world.user(Role.SYSTEM_ADMINISTRATOR))
    assert cases in manager
    assert members not in manager
    assert cases not in admin
    assert members in admin
    assert '<option value="en" lang="en" selected>English</option>' in manager
    assert _nav(client, world.user(Role.CASE_MANAGER)) == manager
    serbian = _nav(client, world.user(Role.CASE_MANAGER), "sr")
    assert '<option value="sr" lang="sr" selected>' in serbian
    assert '<option value="en" lang="en">English</option>' in serbian
    with translation.override("sr"):
        assert f">{translation.gettext('My tasks')}</a>" in serbian
