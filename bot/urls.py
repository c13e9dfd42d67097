"""URLs of the WhatsApp edge."""

from django.urls import path

from bot import notify, views

app_name = "bot"
urlpatterns = [
    path("webhook", views.webhook, name="webhook"),
    path("notify", notify.notify, name="notify"),
]
