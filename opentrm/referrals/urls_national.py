from django.urls import path

from opentrm.referrals import views_national

urlpatterns = [
    path("", views_national.referral_list, name="referral_list"),
    path("refer/<uuid:public_id>/", views_national.referral_create, name="referral_create"),
    path("<uuid:public_id>/", views_national.referral_detail, name="referral_detail"),
    path(
        "<uuid:public_id>/acknowledge/",
        views_national.referral_acknowledge,
        name="referral_acknowledge",
    ),
    path("<uuid:public_id>/accept/", views_national.referral_accept, name="referral_accept"),
    path("<uuid:public_id>/decline/", views_national.referral_decline, name="referral_decline"),
    path("<uuid:public_id>/withdraw/", views_national.referral_withdraw, name="referral_withdraw"),
    path("<uuid:public_id>/sharing/", views_national.referral_sharing, name="referral_sharing"),
]
