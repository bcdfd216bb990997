from django.urls import path

from opentrm.cases import views_tasks

urlpatterns = [
    path("tasks/", views_tasks.task_list, name="task_list"),
    path("<uuid:public_id>/tasks/new/", views_tasks.task_create, name="task_create"),
    path(
        "<uuid:public_id>/tasks/<int:task_id>/complete/",
        views_tasks.task_complete,
        name="task_complete",
    ),
    path(
        "<uuid:public_id>/tasks/<int:task_id>/reopen/",
        views_tasks.task_reopen,
        name="task_reopen",
    ),
]
