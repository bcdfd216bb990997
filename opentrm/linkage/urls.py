from django.urls import path

from opentrm.linkage import views

app_name = "linkage"

urlpatterns = [
    path("cases/<uuid:case_id>/", views.case_links, name="case_links"),
    path("cases/<uuid:case_id>/queries/", views.case_queries, name="case_queries"),
    path("cases/<uuid:case_id>/compare/", views.compare, name="compare"),
    path("cases/<uuid:case_id>/compare/<uuid:other_id>/", views.decide, name="decide"),
    path("cases/<uuid:case_id>/links/<uuid:link_id>/undo/", views.undo, name="undo"),
    path("cases/<uuid:case_id>/ask/", views.ask, name="ask"),
]
