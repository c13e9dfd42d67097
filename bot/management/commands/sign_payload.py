"""`python manage.py sign_payload FILE|-`: the X-Hub-Signature-256 value for a body, for local testing.

Signs the exact bytes of FILE (or of standard input with `-`) with the configured current app secret
(settings.WHATSAPP_APP_SECRET) and prints `sha256=<hex>`. With `--curl URL` it prints a ready curl command
that posts those bytes with the signature and the `X-Mock-Testing: true` header, so the bot's replies come
back as JSON (the server needs MOCK_TESTING_ENABLED). The secret itself is never printed.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from security.signatures import sign_body


class Command(BaseCommand):
    help = "Print the X-Hub-Signature-256 value of a body (FILE, or - for stdin) with the local app secret."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="file holding the exact body to sign, or - for standard input")
        parser.add_argument("--curl", metavar="URL", help="print a curl command posting the signed body")

    def handle(self, *args, source: str, curl: str | None, **options) -> None:
        secret = settings.WHATSAPP_APP_SECRET
        if not secret:
            raise CommandError("WHATSAPP_APP_SECRET is not configured")
        body = self._read(source)
        signature = sign_body(body, secret.encode("utf-8"))
        if not curl:
            self.stdout.write(signature)
            return
        self.stdout.write(curl_command(url=curl, signature=signature, source=source, body=body))

    def _read(self, source: str) -> bytes:
        if source == "-":
            return sys.stdin.buffer.read()
        try:
            return Path(source).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {source}: {exc.strerror}") from None


def curl_command(*, url: str, signature: str, source: str, body: bytes) -> str:
    """A shell-quoted curl command that posts exactly `body` (from the file, or inline for stdin)."""
    if source == "-":
        if b"\x00" in body:
            raise CommandError("stdin holds NUL bytes; sign a file instead")
        try:
            data = shlex.quote(body.decode("utf-8"))
        except UnicodeDecodeError:
            raise CommandError("stdin is not UTF-8 text; sign a file instead") from None
    else:
        data = shlex.quote("@" + source)
    headers = ["Content-Type: application/json", f"X-Hub-Signature-256: {signature}", "X-Mock-Testing: true"]
    parts = ["curl", "-sS", "-X", "POST", shlex.quote(url)]
    for header in headers:
        parts += ["-H", shlex.quote(header)]
    return " ".join([*parts, "--data-binary", data])
