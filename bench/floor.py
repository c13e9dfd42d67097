"""The floor of `bench/webhook_ack.py`: the project's settings and middleware, one bare view answering 200.

Used as `DJANGO_SETTINGS_MODULE=bench.floor`; the module is also its own `ROOT_URLCONF`, routing every path
(`/bot/webhook` and `/healthz` included) to a view that reads the body and answers "ok". Served by the same
Gunicorn configuration as the real webhook, it measures what Gunicorn + Django cost before our code runs.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.floor"


@csrf_exempt  # the same exemption the webhook has: POSTs carry no CSRF token
def floor_view(request: HttpRequest) -> HttpResponse:
    """Read the body (as the webhook must) and answer 200."""
    _ = request.body
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [re_path(r"", floor_view)]
