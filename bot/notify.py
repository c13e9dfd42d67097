"""`POST /bot/notify`: the ledger says a member has a new incoming offer; we send them a WhatsApp template.

Contract (ours; also in the README, "Notifications from the ledger"):

    POST /bot/notify
    X-Notify-Key: <NOTIFY_API_KEY>
    Content-Type: application/json

    {"phone": "263771234567", "memberName": "Rudo Moyo", "message": "Tendai Moyo offered you 12.50 USD"}

- `phone`: the member's wa_id, 6–15 ASCII digits, no leading 0, no "+"; `memberName`: 1–60 characters;
  `message`: 1–300 characters. Strings only, stripped; no new lines, tabs, control characters or more than
  4 consecutive spaces (WhatsApp refuses them in template parameters). Other fields are ignored.
- `notificationID` (optional): the same ID again → 200 `{"sent": true, "duplicate": true}`, nothing sent
  (`bot.notify_window`; a failed send gives the ID back so a retry is sent).
- Inside the member's 24-hour window (their last inbound message is under 24 h old) it is a text message,
  "<memberName>, <message>"; outside it (Meta allows only templates there):
- template `incoming_notification` (en_US), body parameters [memberName, message], one quick
  reply button whose payload is `flows.ids.entry("incoming")` ("v1:incoming:entry:open"): the tap opens
  the incoming-offers flow from any state. The send goes through `bot.outbox.record_and_send`: stored as
  an outbox row first, sent once at once, the outcome recorded on the row; a retry WhatsApp asks for (its
  rate limits, a transient error) is scheduled, and sent by the worker when due — never slept here.

Answers, all JSON with `Cache-Control: no-store`; every error is `{"error": "<reason>"}`:
- 200 `{"sent": true, "outbox_id": "<uuid>"}`: WhatsApp accepted the message.
- 202 `{"sent": false, "scheduled": true, "outbox_id": "<uuid>"}`: WhatsApp asked us to wait; the retry is
  scheduled (the worker sends it when due). Do not call again for it: that would notify twice.
- 400: the body is not a JSON object, or a field breaks the rules above (the reason names the field).
- 401: no `X-Notify-Key` header (with `WWW-Authenticate: X-Notify-Key realm="notify"`).
- 403: a wrong key (and every key while NOTIFY_API_KEY is unset).
- 405: any method but POST.
- 413: a body over 16 KB (16 384 bytes).
- 429: over NOTIFY_RATE_PER_MINUTE requests with this key in the current minute, or (whatever the key) from
  an address that sent NOTIFY_WRONG_KEYS_PER_ADDRESS wrong keys in the current window of
  NOTIFY_WRONG_KEYS_WINDOW_SECONDS; `Retry-After` in seconds.
- 502 `{"error": "could not reach WhatsApp"}`: WhatsApp refused it (or its retries ran out) or gave no
  answer; the outbox row says which. With no answer it may still arrive, so a retry may notify twice.
- 503: the rate limiter's Redis (the cache instance) is down; nothing is sent (fail closed).

Checked in this order: method, key present, the address's wrong-key budget, key, rate limit (every request
with the right key counts), size, JSON, fields, then the send. The key and both limits are
`bot.notify_guard`, the body rules `bot.notify_body`.

CSRF: this is a DRF `APIView`. DRF marks its views csrf_exempt and enforces CSRF only inside
`SessionAuthentication`, which this view does not use: its one authenticator is the key header, and no
cookie or session ever authenticates here, so a forged cross-site request has nothing to ride on (a page
on another site cannot add the header without a CORS preflight, which nothing here grants). The webhook
stays the project's only `@csrf_exempt` view.

Logs: the masked phone, the outbox id, reasons and the peer address; never the name, the message or the key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import NoReturn

from django.http import HttpResponseBase
from rest_framework import exceptions
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView, exception_handler

from bot import notify_window, outbox
from bot.models import OutboxMessage
from bot.notify_body import InvalidNotification, Notification, parse_notification
from bot.notify_guard import KEY_HEADER, HasNotifyKey, NotifyKeyAuthentication, NotifyRateLimit
from bot.rendering import ReplyLimitError
from bot.request_body import read_capped_body
from flows import ids
from flows.types import Reply, TemplateReply, TextReply
from security.redaction import mask_phone

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 16 * 1024
TEMPLATE_NAME = "incoming_notification"
TEMPLATE_LANGUAGE = "en_US"
VIEW_OFFERS_PAYLOAD = ids.entry("incoming")
GRAPH_FAILURE = "could not reach WhatsApp"
_NOT_DELIVERED = (OutboxMessage.Status.QUEUED, OutboxMessage.Status.FAILED)


class _AlwaysJson(BaseContentNegotiation):
    """JSON whatever the Accept header says (a 406 would only hide the real answer from the ledger)."""

    def select_parser(self, request: Request, parsers: list) -> None:
        return None

    def select_renderer(
        self, request: Request, renderers: list, format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        return renderers[0], renderers[0].media_type


def _error_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's handler (status, WWW-Authenticate, Retry-After), with the body as `{"error": reason}`."""
    response = exception_handler(exc, context)
    if response is not None:
        detail = response.data.get("detail") if isinstance(response.data, dict) else None
        response.data = {"error": str(detail or "request refused")}
    return response


def notification_reply(notification: Notification) -> TemplateReply:
    """The template that tells the member about the offer, with its *View offers* quick reply."""
    return TemplateReply(
        name=TEMPLATE_NAME,
        language=TEMPLATE_LANGUAGE,
        body_params=(notification.member_name, notification.message),
        quick_reply_payloads=(VIEW_OFFERS_PAYLOAD,),
    )


def choose_reply(notification: Notification) -> Reply:
    """A text message inside the member's 24-hour window, else the template (`bot.notify_window`)."""
    if notify_window.in_window(notification.phone):
        return TextReply(body=f"{notification.member_name}, {notification.message}")
    return notification_reply(notification)


def _send(notification: Notification) -> Response:
    """Store and send the reply; the answer says what became of it."""
    try:
        row = outbox.record_and_send(
            wa_id=notification.phone, reply=choose_reply(notification), in_reply_to_id=None
        )
    except ReplyLimitError:  # the checks above should make this impossible; nothing was stored
        logger.error("notify refused: the reply breaks a WhatsApp limit")
        return Response({"error": "fields do not fit the notification template"}, status=400)
    to = mask_phone(notification.phone)
    if row.status == OutboxMessage.Status.QUEUED and row.retry_at is not None:
        logger.info("notify to %s scheduled for a retry: outbox %s", to, row.pk)
        return Response({"sent": False, "scheduled": True, "outbox_id": str(row.pk)}, status=202)
    if row.status in _NOT_DELIVERED:
        logger.warning("notify to %s not accepted: outbox %s %s", to, row.pk, row.status)
        return Response({"error": GRAPH_FAILURE}, status=502)
    logger.info("notify to %s sent: outbox %s", to, row.pk)
    return Response({"sent": True, "outbox_id": str(row.pk)})


class NotifyView(APIView):
    """The endpoint; see the module docstring for the contract."""

    authentication_classes = [NotifyKeyAuthentication]
    permission_classes = [HasNotifyKey]
    throttle_classes = [NotifyRateLimit]
    renderer_classes = [JSONRenderer]
    parser_classes = []  # the body is read raw, under the size cap, by `post`
    content_negotiation_class = _AlwaysJson
    http_method_names = ["post"]

    def initial(self, request: Request, *args: object, **kwargs: object) -> None:
        """405 for any other method before the key is even looked at; then DRF's key, permission, limit."""
        if request.method != "POST":
            raise exceptions.MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)

    def permission_denied(
        self, request: Request, message: str | None = None, code: str | None = None
    ) -> NoReturn:
        """No key → 401 saying which header is missing (DRF's default text is about "credentials")."""
        if not request.successful_authenticator:
            raise exceptions.NotAuthenticated(f"missing {KEY_HEADER} header")
        raise exceptions.PermissionDenied(detail=message, code=code)

    def throttled(self, request: Request, wait: float | None) -> NoReturn:
        """429: DRF adds "Expected available in N seconds." and the Retry-After header."""
        raise exceptions.Throttled(wait, detail="too many notifications.")

    def get_exception_handler(self) -> Callable[[Exception, dict], Response | None]:
        """Errors answer `{"error": reason}` (DRF's default says `{"detail": ...}`)."""
        return _error_handler

    def finalize_response(
        self, request: Request, response: HttpResponseBase, *args: object, **kwargs: object
    ) -> HttpResponseBase:
        """Every answer, errors included, is `Cache-Control: no-store`."""
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response

    def post(self, request: Request) -> Response:
        """Check the body, send the template, say what became of it."""
        body = read_capped_body(request._request, MAX_BODY_BYTES)
        if body is None:
            return Response({"error": f"body larger than {MAX_BODY_BYTES} bytes"}, status=413)
        try:
            notification = parse_notification(body)
        except InvalidNotification as invalid:
            logger.info("notify refused: %s", invalid.reason)
            return Response({"error": invalid.reason}, status=400)
        if not notify_window.claim(notification.notification_id):
            logger.info("notify to %s: a repeated notificationID, not sent", mask_phone(notification.phone))
            return Response({"sent": True, "duplicate": True})
        response = _send(notification)
        if response.status_code >= 400:  # refused or not delivered: a retry of this ID may send
            notify_window.release(notification.notification_id)
        return response


notify = NotifyView.as_view()
