"""The development chat page: chat with the bot in a browser through the signed webhook in mock mode.

Exists only while settings.DEBUG and settings.MOCK_TESTING_ENABLED are both on; every view answers 404
otherwise. `GET /dev/chat` serves the page (its script and style are files, served by `asset`, so a strict
Content-Security-Policy applies: no inline script or style). `POST /dev/chat/send` (CSRF-protected, JSON
`{"as": PHONE, "text": ...}`, `{"as": PHONE, "choice": {"id", "title", "kind"[, "description"]}}` or
`{"as": PHONE, "vcard": OTHER_PHONE}`, each with an optional `"username": true`) builds the WhatsApp delivery,
signs it and posts it over HTTP to this same server's webhook on loopback, and answers
`{"replies": [Graph API payloads], "screens": [...]}` (`devtools/devchat.py`); invalid input → 400 with a
reason.

`"username": true` plays a "username user" (WhatsApp withholds the number: the sender is only a BSUID and a
username); choice kind "share" answers the bot's request for the number (`devchat.SHARE`); `vcard` forwards
a contact card of another number, which the bot must refuse.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_POST

from devtools import devchat
from devtools.payloads.deliveries import CHOICE_KINDS, SAMPLE_WA_ID
from security.redaction import mask_phone

logger = logging.getLogger(__name__)

BODY_MAX_BYTES = 64 * 1024
ASSETS = {"devchat.js": "text/javascript; charset=utf-8", "devchat.css": "text/css; charset=utf-8"}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class BadInput(ValueError):  # noqa: N818 (a verdict on the request, answered as 400)
    """The request body breaks a rule; the message says which, and is safe to return."""


View = Callable[..., HttpResponse]


def dev_only(view: View) -> View:
    """404 unless DEBUG and MOCK_TESTING_ENABLED are both on (checked per request)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not (settings.DEBUG and settings.MOCK_TESTING_ENABLED):
            raise Http404("the development chat is off")
        return view(request, *args, **kwargs)

    return guarded


@dev_only
@require_GET
@ensure_csrf_cookie
def page(request: HttpRequest) -> HttpResponse:
    context = {"default_phone": SAMPLE_WA_ID, "csrf_cookie_name": settings.CSRF_COOKIE_NAME}
    response = render(request, "devtools/devchat.html", context)
    response["Content-Security-Policy"] = CSP
    response["Cache-Control"] = "no-store"
    return response


@dev_only
@require_GET
def asset(request: HttpRequest, name: str) -> HttpResponse:
    """The page's script and style, from the app's static files (Gunicorn serves no static files)."""
    found = finders.find(f"devtools/{name}") if name in ASSETS else None
    if not found:
        raise Http404("no such asset")
    response = HttpResponse(Path(found).read_bytes(), content_type=ASSETS[name])  # small files
    response["Cache-Control"] = "no-cache"
    return response


@dev_only
@require_POST
def send(request: HttpRequest) -> HttpResponse:
    try:
        wa_id, username, data = _read_request(request)
        payload = _payload(wa_id, username, data)
    except BadInput as bad:
        return JsonResponse({"error": str(bad)}, status=400)
    try:
        replies = devchat.post_delivery(_webhook_url(request), payload, secret=settings.WHATSAPP_APP_SECRET)
    except devchat.DevChatError as error:
        logger.warning("dev chat message for %s got no replies: %s", mask_phone(wa_id), error.reason)
        return JsonResponse({"error": error.reason}, status=502)
    screens = devchat.screens_of(replies)
    rendered = [screen.as_dict(first) for first, screen in devchat.numbered(screens)]
    return JsonResponse({"replies": replies, "screens": rendered})


def _webhook_url(request: HttpRequest) -> str:
    """This server's webhook on loopback (never the Host header's name: the body is signed)."""
    port = request.get_port()
    if not port.isdigit():
        port = "80"
    return f"http://127.0.0.1:{port}{reverse('bot:webhook')}"


def _payload(wa_id: str, username: bool, data: dict) -> dict:
    """The delivery for the one thing the body asks to send: text, choice or vcard; else BadInput."""
    ours = settings.WHATSAPP_PHONE_NUMBER_ID
    text, choice, vcard = data.get("text"), data.get("choice"), data.get("vcard")
    if sum(item is not None for item in (text, choice, vcard)) != 1:
        raise BadInput('give exactly one of "text", "choice" and "vcard"')
    if vcard is not None:
        if not devchat.valid_phone(vcard) or vcard == wa_id:
            raise BadInput('"vcard" must be another member\'s number: 2-15 digits, not starting with 0')
        return devchat.vcard_delivery(wa_id=wa_id, phone_number_id=ours, phones=[vcard], username=username)
    if choice is not None:
        choice = _read_choice(choice)
        return devchat.delivery(wa_id=wa_id, phone_number_id=ours, choice=choice, username=username)
    if not isinstance(text, str) or not text.strip() or len(text) > devchat.TEXT_MAX:
        raise BadInput(f'"text" must be 1-{devchat.TEXT_MAX} characters, not only spaces')
    return devchat.delivery(wa_id=wa_id, phone_number_id=ours, text=text, username=username)


def _read_request(request: HttpRequest) -> tuple[str, bool, dict]:
    """(phone, username mode, the JSON body) from a bounded JSON object body; else BadInput."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit() or int(declared) > BODY_MAX_BYTES or len(request.body) > BODY_MAX_BYTES:
        raise BadInput(f"the body is over {BODY_MAX_BYTES} bytes")
    try:
        data = json.loads(request.body)
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):
        raise BadInput("the body must be a JSON object")
    if not devchat.valid_phone(data.get("as")):
        raise BadInput('"as" must be 2-15 digits with the country code, not starting with 0')
    username = data.get("username", False)
    if not isinstance(username, bool):
        raise BadInput('"username" must be true or false')
    return data["as"], username, data


def _read_choice(choice: object) -> devchat.Option:
    if not isinstance(choice, dict):
        raise BadInput('"choice" must be an object with "id", "title" and "kind"')
    if choice.get("kind") not in (*CHOICE_KINDS, devchat.SHARE_KIND):
        raise BadInput(f'"choice.kind" must be one of {", ".join(CHOICE_KINDS)}, {devchat.SHARE_KIND}')
    choice_id, title = choice.get("id"), choice.get("title")
    description = choice.get("description", "")
    if not isinstance(choice_id, str) or not 1 <= len(choice_id) <= devchat.CHOICE_ID_MAX:
        raise BadInput(f'"choice.id" must be 1-{devchat.CHOICE_ID_MAX} characters')
    for field, value in (("title", title), ("description", description)):
        if not isinstance(value, str) or len(value) > devchat.TITLE_MAX:
            raise BadInput(f'"choice.{field}" must be text of at most {devchat.TITLE_MAX} characters')
    return devchat.Option(kind=choice["kind"], id=choice_id, title=title, description=description)
