"""ASGI middleware in front of every route: who may ask (Host, Origin), what may be sent (JSON bodies only, at
most MAX_BODY bytes, arriving within BODY_TIMEOUT_S). Each refusal is a problem document (problems.py).

Host and Origin are checked against the names of the bound address: a page on another site cannot post cases into
the decision log from a browser (its Origin is foreign; a form or text/plain post is also refused as not JSON), and
a name rebound by DNS to 127.0.0.1 is refused by its Host. Requests without Origin (curl, programs) are allowed.
"""
from __future__ import annotations

import asyncio
import ipaddress

from . import limits, problems

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def allowed_hosts(host: str, port: int, extra=()) -> set[str]:
    """Host header values accepted for a server bound to host:port: the address itself, and the loopback names
    when it is a loopback address; plus the names given (--allow-host)."""
    names = {f"[{host}]" if ":" in host else host, *extra}
    try:
        if ipaddress.ip_address(host.strip("[]")).is_loopback:
            names.update(LOOPBACK_NAMES)
    except ValueError:
        if host == "localhost":
            names.update(LOOPBACK_NAMES)
    out = {f"{n}:{port}" for n in names} | set(extra)
    if port == 80:
        out |= names
    return {h.lower() for h in out}


def _is_json(content_type: str) -> bool:
    media, _, params = content_type.partition(";")
    media = media.strip().lower()
    if media != "application/json" and not (media.startswith("application/") and media.endswith("+json")):
        return False
    charset = [p.split("=", 1)[1].strip().strip('"').lower() for p in params.split(";") if "=" in p
               and p.split("=", 1)[0].strip().lower() == "charset"]
    return not charset or charset[0] in ("utf-8", "utf8")


class _TooLarge(Exception):
    pass


class _Stalled(Exception):
    pass


class Guard:
    def __init__(self, app, hosts: set[str] | None, max_bytes: int = limits.MAX_BODY,
                 body_timeout: float = limits.BODY_TIMEOUT_S):
        self.app, self.hosts, self.max_bytes, self.body_timeout = app, hosts, max_bytes, body_timeout
        self.origins = None if hosts is None else {f"http://{h}" for h in hosts}

    def refusal(self, scope):
        """The problem response for a request refused on its headers alone, or None."""
        headers = {}
        for name, value in scope.get("headers", []):
            headers.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
        if self.hosts is not None:
            host = headers.get("host", "").lower()
            if host not in self.hosts:
                return problems.response(403, "foreign_host", f"Host '{host[:100]}' is not a name of this server "
                                         f"(accepted: {', '.join(sorted(self.hosts))})")
            origin = headers.get("origin")
            if origin is not None and origin.lower() not in self.origins:
                return problems.response(403, "foreign_origin", f"requests from the origin '{origin[:100]}' are "
                                         "refused: only pages served from this server's own address may call it")
        if scope["method"] in ("POST", "PUT", "PATCH"):
            ctype = headers.get("content-type")
            if ctype is None or not _is_json(ctype):
                return problems.response(415, "not_json", f"the body must be JSON sent as application/json "
                                         f"(UTF-8); got {ctype[:100] if ctype else 'no Content-Type'}",
                                         headers={"Accept-Post": "application/json"})
            length = headers.get("content-length")
            if length is not None:
                if not length.isdigit():
                    return problems.response(400, "bad_request", "bad Content-Length")
                if int(length) > self.max_bytes:
                    return problems.response(413, "too_large", f"the request body is larger than {self.max_bytes} "
                                             "bytes")
        return None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        refused = self.refusal(scope)
        if refused is not None:
            return await refused(scope, receive, send)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.body_timeout
        seen, done, started = 0, False, False

        async def bounded_receive():
            nonlocal seen, done
            if done:
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), max(deadline - loop.time(), 0))
            except TimeoutError:
                raise _Stalled from None
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
                done = not message.get("more_body", False)
            return message

        async def tracked_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, bounded_receive, tracked_send)
        except _TooLarge:
            if not started:
                await problems.response(413, "too_large", f"the request body is larger than {self.max_bytes} "
                                        "bytes")(scope, receive, send)
        except _Stalled:
            if not started:
                await problems.response(408, "body_timeout", f"the request body did not arrive within "
                                        f"{self.body_timeout} s", headers={"Connection": "close"})(scope, receive,
                                                                                                  send)
