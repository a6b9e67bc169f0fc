"""The Content-Security-Policy header, from ``CONTENT_SECURITY_POLICY`` (django-csp),
plus what needs the request: the page's websocket origin, the AsyncAPI docs' needs."""

import contextlib
from typing import Any

from chanx.channels.views import AsyncAPIDocsView
from csp.constants import NONCE, UNSAFE_EVAL
from csp.middleware import CSPMiddleware, PolicyParts
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponseBase

# The docs page's AsyncAPI bundle and stylesheet are static files here ('self'); its
# inline script carries the nonce (core/templates/channels/asyncapi_docs.html); the
# bundle's ajv needs ``new Function``: hence 'unsafe-eval', on this page only
# (https://github.com/asyncapi/asyncapi-react/issues/741).
ASYNCAPI_DOCS_POLICY: dict[str, list[Any]] = {"script-src": [NONCE, UNSAFE_EVAL]}


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(
        self,
        request: HttpRequest,
        response: HttpResponseBase,
        report_only: bool = False,
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        update = dict(parts.update or {})
        for directive, sources in self.additions(request).items():
            earlier = update.get(directive) or []
            if isinstance(earlier, str):  # a view's @csp_update may give one
                earlier = [earlier]
            update[directive] = [*earlier, *sources]
        parts.update = update
        return parts

    def additions(self, request: HttpRequest) -> dict[str, list[Any]]:
        additions: dict[str, list[Any]] = {}
        # Where the page's sockets connect, for browsers whose 'self' does not cover it
        # (Safari before 16); nowhere for a request refused for its host.
        with contextlib.suppress(DisallowedHost):
            scheme = "wss" if request.is_secure() else "ws"
            additions["connect-src"] = [f"{scheme}://{request.get_host()}"]
        match = request.resolver_match
        view_class = getattr(match.func, "view_class", None) if match else None
        if view_class is not None and issubclass(view_class, AsyncAPIDocsView):
            additions.update(ASYNCAPI_DOCS_POLICY)
        return additions
