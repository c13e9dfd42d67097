"""Webhook views (placeholder until the webhook lands)."""

from django.http import HttpRequest, HttpResponse


def webhook(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=503)
