"""Django's message framework, with each request's message storage made only when something uses it.

`django.contrib.messages`' middleware builds the storage for every request: `MESSAGE_STORAGE` imported by
name, then a cookie storage (with its signer) and a session storage behind it. Only the admin's pages use
messages, yet the webhook, the ledger's notifications and the operator API paid for it on every request:
about 7 % of a Gunicorn worker's interpreter time under `make bench`.

`LazyMessageMiddleware` gives the request a lazy storage instead, made the first time anything touches it
(`messages.add_message`, `get_messages`, a template's `{% if messages %}`). On the way out, a storage never
made is skipped: a fresh one would have had nothing to store and would not have touched the response. A
subclass of Django's middleware, so the admin's check for it (admin.E406) still holds.
"""

from __future__ import annotations

from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.http import HttpRequest, HttpResponseBase
from django.utils.functional import SimpleLazyObject, empty


class LazyMessageMiddleware(MessageMiddleware):
    """`MessageMiddleware` whose storage is made on first use (see the module docstring)."""

    def process_request(self, request: HttpRequest) -> None:
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        storage = getattr(request, "_messages", None)
        if isinstance(storage, SimpleLazyObject) and storage._wrapped is empty:
            return response  # never used in this request: nothing to store
        return super().process_response(request, response)
