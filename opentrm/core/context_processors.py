from django.conf import settings
from django.http import HttpRequest


def node(request: HttpRequest) -> dict[str, str]:
    """The node's name, for the page header and titles."""
    return {"node_name": settings.OPENTRM_NODE_NAME}
