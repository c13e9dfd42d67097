"""Project configuration package: settings, URLs and WSGI/ASGI entry points."""
