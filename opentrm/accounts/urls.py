from django.urls import path

from opentrm.accounts import oidc, views, views_mfa

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("second-factor/", views_mfa.mfa_verify, name="mfa_verify"),
    path("second-factor/setup/", views_mfa.mfa_setup, name="mfa_setup"),
    path(
        "second-factor/recovery-codes/",
        views_mfa.mfa_recovery_renew,
        name="mfa_recovery_renew",
    ),
    path(
        "second-factor/keys/new/options/",
        views_mfa.security_key_register_options,
        name="security_key_register_options",
    ),
    path("second-factor/keys/new/", views_mfa.security_key_register, name="security_key_register"),
    path(
        "second-factor/keys/options/",
        views_mfa.security_key_options,
        name="security_key_options",
    ),
    path("second-factor/keys/verify/", views_mfa.security_key_verify, name="security_key_verify"),
    path("oidc/start/", oidc.oidc_start, name="oidc_start"),
    path("oidc/callback/", oidc.oidc_callback, name="oidc_callback"),
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
