"""Check websocket handshakes against ``ALLOWED_HOSTS``, as Django checks HTTP."""

import logging
from typing import Any
from urllib.parse import urlparse

from channels.security.websocket import OriginValidator, WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

logger = logging.getLogger(__name__)


class AllowedHostsValidator(OriginValidator):
    """Channels' ``OriginValidator`` on ``ALLOWED_HOSTS``, checking ``Host`` too, as
    Django does. ``Origin`` may be left out (by scripts, which no foreign site drives;
    browsers always send it); if sent, its scheme, host and port are the socket's own
    (``https`` for ``wss``, as uvicorn reads it from a trusted proxy). A repeated or
    unparsable ``Host`` or ``Origin`` (or not UTF-8) is refused, never an error."""

    application: Any

    def __init__(self, application: Any) -> None:
        self.hosts = list(settings.ALLOWED_HOSTS)
        if settings.DEBUG and not self.hosts:
            self.hosts = [".localhost", "127.0.0.1", "[::1]"]  # as Django allows
        super().__init__(application, self.hosts)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket" and not self.allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)

    def allowed(self, scope: Any) -> bool:
        found: dict[bytes, list[str]] = {b"host": [], b"origin": []}
        try:
            for name, value in scope.get("headers", []):
                value.decode()
                found.get(name, []).append(value.decode("latin1"))
            hosts, origins = found[b"host"], found[b"origin"]
            host = hosts[0] if hosts else server_host(scope)
            allowed = len(hosts) < 2 and len(origins) < 2
            if allowed and host is not None:
                domain, _port = split_domain_port(host)
                allowed = bool(domain) and validate_host(domain, self.hosts)
            if allowed and origins:
                page = urlparse(origins[0])
                allowed = self.validate_origin(page) and same_origin(page, scope, host)
        except (UnicodeDecodeError, ValueError):  # ValueError: urlparse("http://[")
            allowed = False
        if not allowed:
            logger.info("Refused a websocket handshake (Host, Origin): %r", found)
        return allowed


def server_host(scope: Any) -> str | None:
    """The server's own address, which Django uses when ``Host`` is missing."""
    host, port = scope.get("server") or (None, None)
    if host is None:
        return None  # only an in-process test communicator has neither
    host = f"[{host}]" if ":" in str(host) else str(host)
    return host if port is None else f"{host}:{port}"


def same_origin(origin: Any, scope: Any, host: str | None) -> bool:
    """Whether ``origin`` is the socket's own scheme, host and port (if it has a host)."""
    scheme = "https" if scope.get("scheme") == "wss" else "http"
    default = {"http": 80, "https": 443}
    domain, port = split_domain_port(host or "")
    own = (scheme, domain.strip("[]"), int(port or default[scheme]))
    page = (origin.scheme, origin.hostname, origin.port or default.get(origin.scheme))
    return host is None or page == own
