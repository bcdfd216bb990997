from django.urls import path

from opentrm.directory import views, views_edit, views_transfer

app_name = "directory"

urlpatterns = [
    path("", views.home, name="home"),
    path("directory/search/", views.search, name="search"),
    path("directory/search/export/", views_transfer.search_export, name="search_export"),
    path("directory/review/", views.review, name="review"),
    path("directory/import/", views_transfer.contacts_import, name="import"),
    path(
        "directory/organisations/<int:organisation_id>/",
        views.organisation_detail,
        name="organisation_detail",
    ),
    path(
        "directory/contacts/<int:contact_point_id>/",
        views.contact_point_detail,
        name="contact_point_detail",
    ),
    # editing (directory editors of the country)
    path(
        "directory/<str:country_code>/organisations/new/",
        views_edit.organisation_create,
        name="organisation_create",
    ),
    path(
        "directory/organisations/<int:organisation_id>/edit/",
        views_edit.organisation_edit,
        name="organisation_edit",
    ),
    path(
        "directory/organisations/<int:organisation_id>/verify/",
        views_edit.organisation_verify,
        name="organisation_verify",
    ),
    path(
        "directory/organisations/<int:organisation_id>/contacts/new/",
        views_edit.contact_point_create,
        name="contact_point_create",
    ),
    path(
        "directory/contacts/<int:contact_point_id>/edit/",
        views_edit.contact_point_edit,
        name="contact_point_edit",
    ),
    path(
        "directory/contacts/<int:contact_point_id>/verify/",
        views_edit.contact_point_verify,
        name="contact_point_verify",
    ),
    path(
        "directory/<str:country_code>/responsibilities/new/",
        views_edit.responsibility_create,
        name="responsibility_create",
    ),
    path(
        "directory/responsibilities/<int:responsibility_id>/remove/",
        views_edit.responsibility_remove,
        name="responsibility_remove",
    ),
    # country contact list and its export
    path("directory/<str:country_code>/export/", views_transfer.contacts_export, name="export"),
    path("directory/<str:country_code>/", views.country_detail, name="country_detail"),
]
