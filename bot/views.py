"""The WhatsApp webhook: GET handshake and signed POST deliveries (the project's only csrf_exempt view).

POST order: size cap (413 before any hashing) → signature over the raw bytes (401/403, nothing stored) → mock
header gate → JSON → parse (at most WEBHOOK_MAX_ITEMS items) → one transaction → 200. A failure before the
commit answers 500 so Meta redelivers; after the commit the rows are durable and processing is handed the new
ids. A signed delivery over the item cap is answered 200 too, with what was read before the cap stored: a
redelivery would be cut at the same place for 7 days, and Meta never sends that many (≤ 1000 updates), so
it is forged with our secret or broken; it gets an audit row and an alert (`webhook.item_cap`) instead.
Every line logged meanwhile carries the delivery's correlation id (`X-Correlation-Id`), Django's own line
for an error answer included: it is written inside the delivery, and Django then skips its later, unbound
copy.
"""

import json
import logging
import os

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.log import log_response
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from bot import inbox, processing
from bot.events import ParsedBatch
from bot.parsing import parse_webhook
from bot.request_body import read_capped_body
from security import alerts, audit, correlation, metrics, signatures

logger = logging.getLogger(__name__)
security_logger = logging.getLogger("security.webhook")


@csrf_exempt  # Meta cannot send a CSRF token; the HMAC signature authenticates every POST instead.
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest) -> HttpResponse:
    correlation_id = os.urandom(8).hex()  # 16 hex digits, like the rest of the logs
    with correlation.bound(correlation_id):  # every log line of this delivery carries it
        response = _handshake(request) if request.method == "GET" else _receive(request, correlation_id)
        if request.method == "POST":
            metrics.WEBHOOK_DELIVERIES.labels(result=metrics.delivery_result(response.status_code)).inc()
        if response.status_code >= 400:  # Django's own "Forbidden: /bot/webhook" line, now and once
            log_response("%s: %s", response.reason_phrase, request.path, response=response, request=request)
    response[correlation.HEADER] = correlation_id
    response["Cache-Control"] = "no-store"
    return response


def _handshake(request: HttpRequest) -> HttpResponse:
    query = request.GET
    token_ok = signatures.token_matches(query.get("hub.verify_token"), settings.WHATSAPP_VERIFY_TOKEN)
    if query.get("hub.mode") == "subscribe" and token_ok and "hub.challenge" in query:
        return HttpResponse(query["hub.challenge"], content_type="text/plain; charset=utf-8")
    return _reject(request, "handshake refused", 403)


def _receive(request: HttpRequest, correlation_id: str) -> HttpResponse:
    body = read_capped_body(request, settings.WEBHOOK_MAX_BODY_BYTES)
    if body is None:
        return _reject(request, "body too large", 413)
    secrets = signatures.accepted_keys(settings.WHATSAPP_APP_SECRET, settings.WHATSAPP_APP_SECRET_PREVIOUS)
    header = request.META.get("HTTP_X_HUB_SIGNATURE_256")
    try:
        signatures.verify_meta_signature(body=body, header=header, secrets=secrets)
    except signatures.SignatureRejected as rejected:
        missing = rejected.reason == signatures.REASON_MISSING
        metrics.SIGNATURE_REFUSALS.labels(reason=rejected.reason).inc()
        return _reject(request, f"signature {rejected.reason}", 401 if missing else 403)
    mock = request.META.get("HTTP_X_MOCK_TESTING", "").strip().lower() == "true"
    if mock and not settings.MOCK_TESTING_ENABLED:
        return _reject(request, "mock testing disabled", 403)
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        payload = None
    if not isinstance(payload, dict):
        return JsonResponse({"error": "body is not a JSON object"}, status=400)
    try:
        batch = parse_webhook(
            payload, phone_number_id=settings.WHATSAPP_PHONE_NUMBER_ID, max_items=settings.WEBHOOK_MAX_ITEMS
        )
        stored = inbox.store_batch(batch, correlation_id=correlation_id)
    except Exception as exc:  # nothing committed: 500 makes Meta redeliver
        logger.error("webhook store failed (%s) correlation=%s", type(exc).__name__, correlation_id)
        return JsonResponse({"error": "temporary failure, please retry"}, status=500)
    if batch.cut_at:
        _report_item_cap(request, batch, stored)
    return _answer(stored, mock=mock, correlation_id=correlation_id)


def _report_item_cap(request: HttpRequest, batch: ParsedBatch, stored: inbox.StoreResult) -> None:
    """A delivery read only up to the item cap: one audit row each time, one alert per dedupe window."""
    figures = {
        "items_cap": settings.WEBHOOK_MAX_ITEMS,
        "cut_at": batch.cut_at,
        "skipped": batch.skipped,
        "stored": len(stored.new_ids),
    }
    audit.record("webhook.item_cap", actor=audit.SYSTEM, obj="webhook", new=figures, request=request)
    message = f"a signed webhook delivery went over the item cap; the rest was not read from {batch.cut_at}"
    alerts.raise_alert("webhook.item_cap", message, severity="error", details=figures)


def _answer(stored: inbox.StoreResult, *, mock: bool, correlation_id: str) -> HttpResponse:
    """The 200: counts (and in mock mode the replies); otherwise new rows go to processing once committed."""
    received, duplicates = len(stored.new_ids), stored.duplicates
    if mock:
        replies = processing.process_capturing(stored.new_ids) if stored.new_ids else []
        return JsonResponse({"received": received, "duplicates": duplicates, "replies": replies})
    if stored.new_ids:
        transaction.on_commit(lambda: _dispatch(stored, correlation_id))
    # Hot path: two ints formatted straight into bytes (JsonResponse would build an encoder and look up the
    # charset to encode a str: about a tenth of this view's time).
    body = b'{"received":%d,"duplicates":%d}' % (received, duplicates)
    return HttpResponse(body, content_type="application/json")


def _dispatch(stored: inbox.StoreResult, correlation_id: str) -> None:
    """Hand committed rows to processing; a failure loses nothing (the sweeper re-queues pending rows)."""
    try:
        processing.dispatch_committed(stored.new_ids, members=stored.new_members)
    except Exception as exc:
        logger.error("dispatch failed (%s) correlation=%s", type(exc).__name__, correlation_id)


def _reject(request: HttpRequest, reason: str, status: int) -> HttpResponse:
    """A security event (reason and peer only: never the body, header or token) and an empty answer."""
    security_logger.warning("webhook rejected: %s (remote=%s)", reason, request.META.get("REMOTE_ADDR", "-"))
    if reason.startswith("signature"):
        alerts.note_signature_failure(request)  # a burst → one alert and one audit row
    return HttpResponse(status=status)
