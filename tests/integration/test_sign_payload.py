"""`manage.py sign_payload`: its signature is accepted by the real webhook; the secret is never printed."""

import io
import shlex
import sys

import pytest
from django.core.management import CommandError, call_command

from bot import processing
from bot.models import InboxMessage
from devtools import payloads as p
from tests.support.signing import meta_json, post_unsigned


def run(*args, stdin: bytes | None = None, monkeypatch=None) -> str:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    out = io.StringIO()
    call_command("sign_payload", *args, stdout=out)
    return out.getvalue().strip()


@pytest.mark.django_db
def test_printed_signature_is_accepted_by_the_webhook(client, tmp_path, monkeypatch, settings):
    monkeypatch.setattr(processing, "process_capturing", lambda ids: [{"captured": ids}])
    body = meta_json(p.text_payload("hi from the command line ✓"))
    (tmp_path / "hi.json").write_bytes(body)
    signature = run(str(tmp_path / "hi.json"))
    assert signature.startswith("sha256=") and settings.WHATSAPP_APP_SECRET not in signature
    assert run("-", stdin=body, monkeypatch=monkeypatch) == signature
    response = post_unsigned(
        client, body, headers={"X-Hub-Signature-256": signature, "X-Mock-Testing": "true"}
    )
    assert response.status_code == 200
    assert response.json()["replies"] == [{"captured": [InboxMessage.objects.get().pk]}]


def test_curl_command_posts_the_exact_file_with_the_mock_header(tmp_path, settings):
    path = tmp_path / "my body.json"
    path.write_bytes(b'{"object":"whatsapp_business_account","entry":[]}\n')
    command = run(str(path), "--curl", "http://127.0.0.1:8000/bot/webhook")
    words = shlex.split(command)
    assert words[:5] == ["curl", "-sS", "-X", "POST", "http://127.0.0.1:8000/bot/webhook"]
    assert f"X-Hub-Signature-256: {run(str(path))}" in words
    assert "X-Mock-Testing: true" in words
    assert words[-2:] == ["--data-binary", f"@{path}"]
    assert settings.WHATSAPP_APP_SECRET not in command


def test_curl_from_stdin_inlines_the_exact_body(monkeypatch):
    body = b'{"text":"it\'s $HOME; `x` \\u00e4"}\n'
    words = shlex.split(run("-", "--curl", "http://h/bot/webhook", stdin=body, monkeypatch=monkeypatch))
    assert words[-1].encode() == body


def test_unreadable_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        run(str(tmp_path / "missing.json"))
