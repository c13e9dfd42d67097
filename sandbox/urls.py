"""URLconf of the sandbox: the contract routes at the root (no prefix), /health, /devadmin/<action>, 404.

Paths match with or without a trailing slash, like Express. Anything else is the contract's
`{"status":"error","statusCode":404,"message":"Not Found"}`.
"""

from django.urls import re_path

from sandbox.ledger.admin_views import devadmin
from sandbox.ledger.gateway import contract_view, health, not_found
from sandbox.ledger.routes import CONTRACT_ROUTES

urlpatterns = [
    *(re_path(rf"^{route.name}/?$", contract_view(route), name=route.name) for route in CONTRACT_ROUTES),
    re_path(r"^health/?$", health, name="health"),
    re_path(r"^devadmin/(?P<action>[A-Za-z]+)/?$", devadmin, name="devadmin"),
    re_path(r"^.*$", not_found, name="not-found"),
]
