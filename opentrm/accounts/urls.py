from django.urls import path

from opentrm.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("organisation/", views.choose_organisation, name="choose_organisation"),
    path("", views.account, name="account"),
    path("tokens/", views.api_tokens, name="api_tokens"),
    path("tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("members/", views.member_list, name="member_list"),
    path("members/<int:membership_id>/", views.member_change, name="member_change"),
    path(
        "members/grants/<int:grant_id>/approve/",
        views.role_grant_approve,
        name="role_grant_approve",
    ),
    path(
        "members/grants/<int:grant_id>/refuse/", views.role_grant_refuse, name="role_grant_refuse"
    ),
]
