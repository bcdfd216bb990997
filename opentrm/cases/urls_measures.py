"""Routes of the measures area (same "cases" namespace as ``cases/urls.py``)."""

from django.urls import URLPattern, path

from opentrm.cases import views_measures as views

urlpatterns: list[URLPattern] = [
    path("<uuid:public_id>/measures/<str:code>/plan/", views.measure_plan, name="measure_plan"),
    path("<uuid:public_id>/measures/<str:code>/", views.measure_edit, name="measure_edit"),
    path(
        "<uuid:public_id>/identification/new/",
        views.identification_create,
        name="identification_create",
    ),
    path(
        "<uuid:public_id>/reflection-period/new/",
        views.reflection_start,
        name="reflection_start",
    ),
    path("settings/", views.case_settings, name="case_settings"),
    path("settings/measures/new/", views.measure_setting_create, name="measure_setting_create"),
    path("settings/measures/<str:code>/", views.measure_setting_edit, name="measure_setting_edit"),
]
