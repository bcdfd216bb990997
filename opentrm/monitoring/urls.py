from django.urls import path

from opentrm.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:plan_id>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:plan_id>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:plan_id>/export.csv", views.plan_export, name="plan_export"),
    path("plans/<int:plan_id>/objectives/new/", views.objective_create, name="objective_create"),
    path("objectives/<int:objective_id>/edit/", views.objective_edit, name="objective_edit"),
    path("objectives/<int:objective_id>/actions/new/", views.action_create, name="action_create"),
    path("actions/<int:action_id>/", views.action_detail, name="action_detail"),
    path("actions/<int:action_id>/edit/", views.action_edit, name="action_edit"),
    path("feedback/code/", views.feedback_code, name="feedback_code"),
    path("feedback/report/", views.feedback_report, name="feedback_report"),
]
