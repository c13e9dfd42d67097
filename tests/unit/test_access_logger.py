"""`deploy.gunicorn_logging.AccessLogger`: the access line it gathers is the one Gunicorn's own logger would
write, from only the atoms the line uses; a format naming any other atom gets Gunicorn's full set."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger, SafeAtoms

from deploy.gunicorn_logging import ACCESS_LOG_FORMAT, CORRELATION_ATOM, AccessLogger, atom_names


def _config(access_format: str) -> Config:
    config = Config()
    config.set("access_log_format", access_format)
    return config


def _exchange(path: str = "/bot/webhook", correlation: str | None = "0123456789abcdef") -> tuple:
    """A response, request, environ and duration as Gunicorn hands them to `Logger.access`."""
    headers = [("Content-Type", "application/json"), ("Cache-Control", "no-store")]
    if correlation is not None:
        headers.append(("X-Correlation-Id", correlation))
    response = SimpleNamespace(status="403 Forbidden", sent=0, headers=headers)
    request = SimpleNamespace(headers=[("HOST", "bot.example.org"), ("X-HUB-SIGNATURE-256", "sha256=00")])
    environ = {
        "REMOTE_ADDR": "203.0.113.9", "REQUEST_METHOD": "POST", "PATH_INFO": path, "RAW_URI": path,
        "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_USER_AGENT": "facebookexternalua",
        "HTTP_X_HUB_SIGNATURE_256": "sha256=00", "wsgi.url_scheme": "https",
    }  # fmt: skip
    return response, request, environ, timedelta(seconds=1, microseconds=234_567)


def _line(logger: Logger, exchange: tuple) -> str:
    return logger.cfg.access_log_format % SafeAtoms(logger.atoms(*exchange))


@pytest.mark.parametrize("path", ["/bot/webhook", '/api/members/"quoted"/erase/', "/bot/%0a-newline"])
def test_the_line_is_the_one_gunicorn_would_write(path):
    exchange = _exchange(path)
    ours, theirs = AccessLogger(_config(ACCESS_LOG_FORMAT)), Logger(_config(ACCESS_LOG_FORMAT))
    assert _line(ours, exchange) == _line(theirs, exchange)
    assert "1234ms" in _line(ours, exchange)


def test_only_the_named_atoms_and_the_correlation_header_are_gathered():
    atoms = AccessLogger(_config(ACCESS_LOG_FORMAT)).atoms(*_exchange())
    assert set(atoms) == set(atom_names(ACCESS_LOG_FORMAT)) | {CORRELATION_ATOM}
    assert atoms[CORRELATION_ATOM] == "0123456789abcdef"
    assert not any("sha256" in str(value) for value in atoms.values())  # no request header came along


def test_a_response_without_a_correlation_header_has_no_such_atom():
    atoms = AccessLogger(_config(ACCESS_LOG_FORMAT)).atoms(*_exchange(correlation=None))
    assert CORRELATION_ATOM not in atoms  # the filter then records no id, as with Gunicorn's atoms


def test_a_format_naming_other_atoms_gets_gunicorns_full_set():
    access_format = '%(h)s "%(r)s" %(s)s "%(a)s" %({host}i)s'
    exchange = _exchange()
    ours, theirs = AccessLogger(_config(access_format)), Logger(_config(access_format))
    assert _line(ours, exchange) == _line(theirs, exchange)
    assert "facebookexternalua" in _line(ours, exchange) and "bot.example.org" in _line(ours, exchange)
