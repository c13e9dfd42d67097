"""Which local ports are taken, said plainly (for `make run`, deploy/devrun.py)."""

from __future__ import annotations

import socket


def port_in_use(port: int) -> bool:
    """True when something already accepts connections on 127.0.0.1:`port`."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.3):
            return True
    except OSError:
        return False


def busy_ports_complaint(wanted: dict[str, int]) -> str | None:
    """A clear complaint naming the wanted ports that are taken, or None when all are free."""
    taken = [f"{port} ({what})" for what, port in wanted.items() if port_in_use(port)]
    if not taken:
        return None
    return (
        f"already in use: port {', '.join(taken)}. Is a previous `make run` still running? "
        "Stop it (Ctrl-C in its terminal) or free the port, then try again."
    )
