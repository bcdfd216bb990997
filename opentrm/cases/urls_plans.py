from django.urls import path

from opentrm.cases import views_plans as views

urlpatterns = [
    path("<uuid:public_id>/plans/new/", views.plan_create, name="plan_create"),
    path("<uuid:public_id>/plans/<int:plan_id>/", views.plan_detail, name="plan_detail"),
    path("<uuid:public_id>/plans/<int:plan_id>/edit/", views.plan_edit, name="plan_edit"),
    path(
        "<uuid:public_id>/plans/<int:plan_id>/acknowledge/",
        views.plan_acknowledge,
        name="plan_acknowledge",
    ),
    path(
        "<uuid:public_id>/plans/<int:plan_id>/activate/",
        views.plan_activate,
        name="plan_activate",
    ),
    path("<uuid:public_id>/plans/<int:plan_id>/revise/", views.plan_revise, name="plan_revise"),
    path("<uuid:public_id>/plans/<int:plan_id>/close/", views.plan_close, name="plan_close"),
    path("<uuid:public_id>/risk-plan/", views.risk_plan_edit, name="risk_plan_edit"),
    path("<uuid:public_id>/risk-plan/review/", views.risk_plan_review, name="risk_plan_review"),
]
