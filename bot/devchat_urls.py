"""URLs of the development chat (under /dev/): the page, its script and style, and the send endpoint.

The views answer 404 unless settings.DEBUG and settings.MOCK_TESTING_ENABLED are both on.
"""

from django.urls import path

from bot import devchat_views

app_name = "devchat"
urlpatterns = [
    path("chat", devchat_views.page, name="page"),
    path("chat/send", devchat_views.send, name="send"),
    path("chat/assets/<str:name>", devchat_views.asset, name="asset"),
]
