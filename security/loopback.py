"""Development defaults stay on this machine: while any is in effect, listen and answer on loopback only.

The defaults (`security.production.defaults_in_effect`: DEBUG, mock testing, a public or short secret) are
fine for `make run` on 127.0.0.1 and dangerous anywhere else: a delivery signed with the public development
app secret and marked `X-Mock-Testing` acts as any member. So, while any is in effect:
- `listen_problem` refuses a non-loopback listening address before a server opens it: Gunicorn's hooks in
  deploy/gunicorn.conf.py (the effective bind, after command-line and GUNICORN_CMD_ARGS overrides, then
  the sockets really bound) and `manage.py runserver` (deploy/management/commands/runserver.py);
- `LoopbackOnlyMiddleware` (installed in development only) answers 403 to a peer beyond loopback, for any
  other server someone may start (uvicorn on config.asgi, Gunicorn without our config, ...).
"""

from collections.abc import Callable, Sequence
from ipaddress import ip_address

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden

Address = tuple | str | bytes | int  # (host, port, ...), a Unix socket path, or an inherited descriptor

REMEDY = (
    "Bind to loopback (127.0.0.1 or [::1], as `make run` does); for a development server others can reach, "
    "set real secrets instead (each at least 32 characters, none a documented default), "
    "MOCK_TESTING_ENABLED=False and DEBUG=False."
)


def is_loopback(address: Address) -> bool:
    """True for a loopback address (or a Unix socket, reachable only on this machine); False otherwise,
    including a host name (it may resolve anywhere) and an inherited descriptor (unknown until bound)."""
    if isinstance(address, str | bytes):
        return True
    if isinstance(address, int):
        return False
    host = str(address[0]).strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def shown(address: Address) -> str:
    """An address as a bind option spells it: 0.0.0.0:8000, [::]:8000, fd://3."""
    if isinstance(address, int):
        return f"fd://{address}"
    if isinstance(address, str | bytes):
        return f"unix:{address!s}"
    host = str(address[0])
    return f"[{host}]:{address[1]}" if ":" in host else f"{host}:{address[1]}"


def listen_problem(addresses: Sequence[Address], in_effect: Sequence[str]) -> str | None:
    """Why listening on `addresses` is refused while the defaults `in_effect` (names) apply, or None."""
    exposed = [shown(address) for address in addresses if not is_loopback(address)]
    if not (exposed and in_effect):
        return None
    return (
        f"Refusing to listen on {', '.join(exposed)}: development defaults are in effect "
        f"({', '.join(in_effect)}), and anyone who can reach that address could use them. {REMEDY}"
    )


class LoopbackOnlyMiddleware:
    """403 for a peer beyond loopback (REMOTE_ADDR: the TCP peer; empty on a Unix socket, which is local),
    checked before anything else runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        peer = request.META.get("REMOTE_ADDR", "")
        if peer and not is_loopback((peer, 0)):
            return HttpResponseForbidden(
                "This development instance runs with public defaults and answers loopback only.",
                content_type="text/plain",
            )
        return self.get_response(request)
