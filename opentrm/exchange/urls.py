"""Routes of the exchange, mounted at ``exchange/`` (the node document is at the site root,
/.well-known/opentrm-node.json, see opentrm/config/urls.py)."""

from django.urls import path

from opentrm.exchange import views_inbox, views_peers

app_name = "exchange"

urlpatterns = [
    path("v1/inbox", views_inbox.inbox, name="inbox"),
    path("peers/", views_peers.peer_list, name="peer_list"),
    path("peers/register/", views_peers.peer_register, name="peer_register"),
    path("peers/<int:peer_id>/", views_peers.peer_detail, name="peer_detail"),
    path("peers/<int:peer_id>/confirm/", views_peers.peer_confirm, name="peer_confirm"),
    path("peers/<int:peer_id>/suspend/", views_peers.peer_suspend, name="peer_suspend"),
    path("peers/<int:peer_id>/resume/", views_peers.peer_resume, name="peer_resume"),
    path("peers/<int:peer_id>/keys/", views_peers.peer_refresh, name="peer_refresh"),
]
