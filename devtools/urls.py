"""URLs of the development chat (under /dev/): the page, its script and style, and the send endpoint.

The views answer 404 unless settings.DEBUG and settings.MOCK_TESTING_ENABLED are both on.
"""

from django.urls import path

from devtools import views

app_name = "devchat"
urlpatterns = [
    path("chat", views.page, name="page"),
    path("chat/send", views.send, name="send"),
    path("chat/assets/<str:name>", views.asset, name="asset"),
]
