from django.urls import path

from opentrm.cases import views_interpreters

urlpatterns = [
    path(
        "<uuid:public_id>/interpreters/new/",
        views_interpreters.interpreter_create,
        name="interpreter_create",
    ),
    path(
        "<uuid:public_id>/interpreters/<int:assignment_id>/end/",
        views_interpreters.interpreter_end,
        name="interpreter_end",
    ),
]
