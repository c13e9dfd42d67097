"""`manage.py runserver`, refusing to serve development defaults beyond loopback."""
