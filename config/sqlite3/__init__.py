"""Django's SQLite backend, dropping a connection after a database error (see `base.py`)."""
