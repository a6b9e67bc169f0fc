"""Check websocket handshakes against ``ALLOWED_HOSTS``, as Django checks HTTP."""

import logging
from typing import Any
from urllib.parse import urlparse

from channels.security.websocket import OriginValidator, WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

logger = logging.getLogger(__name__)


def allowed_hosts() -> list[str]:
    """``ALLOWED_HOSTS``, or what Django allows in debug mode when it is empty."""
    if settings.DEBUG and not settings.ALLOWED_HOSTS:
        return [".localhost", "127.0.0.1", "[::1]"]
    return list(settings.ALLOWED_HOSTS)


class AllowedHostsValidator:
    """Refuse a handshake whose ``Host`` or ``Origin`` names a foreign host.

    ``Host`` is checked as Django checks it for HTTP: the header, or the
    server's own address when there is none (a scope with neither comes only
    from an in-process test communicator). ``Origin`` is checked when there is
    one: browsers always send it, so a foreign site's page is always caught,
    while scripts and apps, which no other site can drive, may leave it out.
    A header that cannot be parsed (or is not UTF-8) is refused, never an error.
    """

    def __init__(self, application: Any) -> None:
        self.application = application
        self.hosts = allowed_hosts()
        # Channels' matching of an Origin against host patterns.
        self.origins = OriginValidator(application, self.hosts)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket" and not self.allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)

    def allowed(self, scope: Any) -> bool:
        headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
        if not all(utf8(value) for _name, value in headers):
            # chanx reads every header as UTF-8 to authenticate the socket,
            # and would fail with a traceback.
            logger.info("Refused a websocket handshake with a header that is not UTF-8")
            return False
        hosts = [value.decode("latin1") for name, value in headers if name == b"host"]
        origins = [
            value.decode("latin1") for name, value in headers if name == b"origin"
        ]
        if len(hosts) > 1 or len(origins) > 1:
            logger.warning("Refused a websocket handshake with repeated headers")
            return False
        host = hosts[0] if hosts else server_host(scope)
        if host is not None and not self.valid_host(host):
            logger.warning(
                "Refused a websocket handshake for host %r: not in ALLOWED_HOSTS", host
            )
            return False
        if origins and not self.valid_origin_header(origins[0]):
            logger.info("Refused a websocket handshake from origin %r", origins[0])
            return False
        return True

    def valid_host(self, host: str) -> bool:
        domain, _port = split_domain_port(host)
        return bool(domain) and validate_host(domain, self.hosts)

    def valid_origin_header(self, origin: str) -> bool:
        try:
            return self.origins.validate_origin(urlparse(origin))
        except ValueError:  # urlparse's answer to "http://[", for one
            return False


def server_host(scope: Any) -> str | None:
    """The address the server listens on, which Django uses when ``Host`` is
    missing; ``None`` in a scope without one."""
    server = scope.get("server")
    if not server or server[0] is None:
        return None
    host, port = str(server[0]), server[1]
    if ":" in host:  # IPv6
        host = f"[{host}]"
    return host if port is None else f"{host}:{port}"


def utf8(value: bytes) -> bool:
    try:
        value.decode()
    except UnicodeDecodeError:
        return False
    return True
