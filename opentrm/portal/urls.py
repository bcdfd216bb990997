from django.conf import settings
from django.urls import path, register_converter

from opentrm.portal import views, views_member


class LanguageConverter:
    """A shipped language's code: the public pages carry their language in the path."""

    regex = "|".join(code for code, _name in settings.LANGUAGES)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(LanguageConverter, "lang")

app_name = "portal"
urlpatterns = [
    # public: no session read, cacheable
    path("<lang:language>/", views.home, name="home"),
    path("<lang:language>/glossary/", views.glossary, name="glossary"),
    path("<lang:language>/glossary/<slug:slug>/", views.glossary_term, name="glossary_term"),
    path("<lang:language>/sops/", views.sop_list, name="sop_list"),
    path("<lang:language>/sops/<slug:sop>/", views.sop_guide, name="sop_guide"),
    path("<lang:language>/countries/", views.country_list, name="country_list"),
    path("<lang:language>/countries/<str:code>/", views.country_profile, name="country_profile"),
    path("<lang:language>/library/", views.library, name="library"),
    path("<lang:language>/search/", views.search, name="search"),
    path("files/<int:resource_id>/", views.resource_file, name="resource_file"),
    # members
    path("members/library/", views_member.member_library, name="member_library"),
    path("members/library/new/", views_member.resource_create, name="resource_create"),
    path("members/glossary/<slug:slug>/", views_member.national_terms, name="national_terms"),
    path(
        "members/glossary/national/<int:national_id>/remove/",
        views_member.national_term_remove,
        name="national_term_remove",
    ),
    path(
        "members/library/<int:resource_id>/reviewed/",
        views_member.resource_review,
        name="resource_review",
    ),
    path(
        "members/library/<int:resource_id>/delete/",
        views_member.resource_delete,
        name="resource_delete",
    ),
    path("members/search/", views_member.member_search, name="member_search"),
    path("members/countries/<str:code>/", views_member.country_contacts, name="country_contacts"),
    path("members/countries/<str:code>/edit/", views_member.profile_edit, name="profile_edit"),
]
