"""`config.messages.LazyMessageMiddleware` in the real middleware stack: a message added in one request is
shown by the next, once; a request that never touches messages sets no cookie. This module is the URLconf."""

from __future__ import annotations

import pytest
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.test import Client
from django.urls import path


def add_then_redirect(request):
    messages.success(request, "Saved the member's note.")
    return HttpResponseRedirect("/show/")


def show(request):
    return HttpResponse(" | ".join(str(message) for message in messages.get_messages(request)))


def level_then_add(request):
    messages.set_level(request, messages.WARNING)
    messages.info(request, "below the level: dropped")
    messages.warning(request, "at the level: kept")
    return HttpResponseRedirect("/show/")


def plain(request):
    return HttpResponse("no messages here")


urlpatterns = [
    path("add/", add_then_redirect),
    path("show/", show),
    path("level/", level_then_add),
    path("plain/", plain),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.integration.test_messages")]


def test_a_message_is_shown_by_the_next_request_once():
    client = Client()
    assert client.get("/add/").status_code == 302
    assert client.get("/show/").content == b"Saved the member's note."
    assert client.get("/show/").content == b""  # shown once, then gone


def test_the_message_level_applies_to_the_lazy_storage():
    client = Client()
    client.get("/level/")
    assert client.get("/show/").content == b"at the level: kept"


def test_a_request_that_never_touches_messages_sets_no_cookie():
    response = Client().get("/plain/")
    assert response.status_code == 200
    assert "messages" not in response.cookies and not response.cookies
