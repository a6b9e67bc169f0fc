"""Refuse websocket handshakes that a foreign site's page started."""

from typing import Any
from urllib.parse import ParseResult

from channels.security.websocket import OriginValidator
from django.conf import settings


class BrowserOriginValidator(OriginValidator):
    """Check the ``Origin`` header when there is one.

    Browsers always send ``Origin`` on a websocket handshake, so a cross-site
    page is always caught. Clients outside a browser (scripts, mobile apps, test
    communicators) send none and cannot be driven by another site, so unlike
    Channels' own validator a missing header is let through.
    """

    def valid_origin(self, parsed_origin: ParseResult | None) -> bool:
        if parsed_origin is None:
            return True
        return bool(self.validate_origin(parsed_origin))


def allowed_hosts_origin_validator(application: Any) -> BrowserOriginValidator:
    """Accept the origins that ``ALLOWED_HOSTS`` accepts, as Django does for HTTP."""
    allowed_hosts = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed_hosts:
        allowed_hosts = ["localhost", "127.0.0.1", "[::1]"]
    return BrowserOriginValidator(application, allowed_hosts)
