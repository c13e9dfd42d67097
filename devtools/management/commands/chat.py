"""`python manage.py chat [--as PHONE] [--name NAME] [--username] [--url URL]`: chat with the bot in a
terminal, no WhatsApp needed.

Every line goes through the real signed webhook in mock-testing mode (the server needs MOCK_TESTING_ENABLED):
it is built as the WhatsApp delivery of a typed text, or of a tap when the line is the number of an option
shown (`[1] Title`; any other number, such as an amount, goes as text), signed with the local
WHATSAPP_APP_SECRET and posted; the replies the bot would have sent are printed as text
(`devtools/devchat.py`). `/as PHONE` switches to another member (play two members), `/quit` (or end of input,
or Ctrl-C) leaves. Phone numbers are printed masked. `--name` sets the WhatsApp profile name every message
carries (`contacts[].profile.name`; default the payload builders' sample name).

`--username` plays a "username user": WhatsApp withholds the member's number, so their messages carry only a
business-scoped user id and a username (`devtools.payloads.deliveries.as_username_user`). `/username` toggles
that for the current member. The bot then asks for the number with WhatsApp's request (shown as `[n] Share
phone number`); typing that number or `/share` answers it (the contact-request answer, from the same user,
with the member's own number). `/vcard PHONE` forwards a contact card of another number (the bot must refuse
it).
"""

from __future__ import annotations

import sys
from typing import TextIO

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from devtools import devchat
from devtools.payloads import SENDER_NAME
from devtools.payloads.deliveries import SAMPLE_WA_ID
from security.redaction import mask_phone

DEFAULT_URL = "http://127.0.0.1:8000/bot/webhook"
QUIT = "/quit"
SWITCH = "/as"
SHARE = "/share"
VCARD = "/vcard"
USERNAME = "/username"
HINT = (
    "Type a message, or the number of an option to tap it; /as PHONE switches member, /username toggles "
    "a hidden number, /share shares it, /vcard PHONE forwards a card, /quit leaves."
)


class Command(BaseCommand):
    help = "Chat with the bot through its signed webhook in mock-testing mode (type /quit to leave)."
    stealth_options = ("stdin",)  # call_command(..., stdin=StringIO(...)) in tests

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as",
            dest="wa_id",
            default=SAMPLE_WA_ID,
            metavar="PHONE",
            help=f"the member's WhatsApp number: digits with the country code (default {SAMPLE_WA_ID})",
        )
        parser.add_argument(
            "--name",
            default=SENDER_NAME,
            help=f"the member's WhatsApp profile name (default {SENDER_NAME!r})",
        )
        parser.add_argument(
            "--username",
            action="store_true",
            help="play a username user: WhatsApp withholds the number; the bot sees a BSUID and username",
        )
        parser.add_argument("--url", default=DEFAULT_URL, help=f"the bot's webhook (default {DEFAULT_URL})")

    def handle(
        self, *args, wa_id: str, url: str, username: bool = False, name: str = SENDER_NAME, **options
    ) -> None:  # fmt: skip
        if not devchat.valid_phone(wa_id):
            raise CommandError("--as needs 2-15 digits with the country code, not starting with 0")
        if not settings.WHATSAPP_APP_SECRET:
            raise CommandError("WHATSAPP_APP_SECRET is not configured")
        self.stdin: TextIO = options.get("stdin") or sys.stdin
        self.url = url
        self.wa_id = wa_id
        self.name = name.strip() or SENDER_NAME
        self.username_of: dict[str, bool] = {wa_id: username}  # who plays a username user
        self.options_of: dict[str, list[devchat.Option]] = {}  # each member's latest options
        self.stdout.write(f"Chatting with {url} as {self._who()}.")
        self.stdout.write(HINT)
        try:
            self._loop()
        except KeyboardInterrupt:
            self.stdout.write("")
        self.stdout.write("Bye.")

    def _loop(self) -> None:
        while True:
            self.stdout.write(f"{mask_phone(self.wa_id)}> ", ending="")
            self.stdout.flush()
            line = self.stdin.readline()
            if not line:  # end of input
                self.stdout.write("")
                return
            line = line.rstrip("\r\n")
            command, _, rest = line.strip().partition(" ")
            if command == QUIT:
                return
            if command == SWITCH:
                self._switch(rest.strip())
            elif command in (SHARE, VCARD, USERNAME):
                self._identity_command(command, rest.strip())
            elif line.strip():
                self._send(line)

    def _who(self) -> str:
        hidden = " (username user: number hidden)" if self.username_of.get(self.wa_id) else ""
        return mask_phone(self.wa_id) + hidden

    def _identity_command(self, command: str, rest: str) -> None:
        if command == USERNAME:
            self.username_of[self.wa_id] = not self.username_of.get(self.wa_id, False)
            self.stdout.write(f"Now chatting as {self._who()}.")
        elif command == SHARE:
            self._post(self._delivery(choice=devchat.SHARE), "(shared phone number)")
        elif not devchat.valid_phone(rest) or rest == self.wa_id:
            self.stdout.write("/vcard needs another member's number: 2-15 digits, not starting with 0.")
        else:
            payload = devchat.vcard_delivery(
                wa_id=self.wa_id, phone_number_id=settings.WHATSAPP_PHONE_NUMBER_ID, phones=[rest],
                username=self.username_of.get(self.wa_id, False), name=self.name,
            )  # fmt: skip
            self._post(payload, f"(forwarded a contact card of {mask_phone(rest)})")

    def _delivery(self, **message: object) -> dict:
        return devchat.delivery(
            wa_id=self.wa_id, phone_number_id=settings.WHATSAPP_PHONE_NUMBER_ID,
            username=self.username_of.get(self.wa_id, False), name=self.name, **message,
        )  # fmt: skip

    def _switch(self, wa_id: str) -> None:
        if not devchat.valid_phone(wa_id):
            self.stdout.write("/as needs 2-15 digits with the country code, not starting with 0.")
            return
        self.wa_id = wa_id
        self.stdout.write(f"Now chatting as {self._who()}.")

    def _send(self, line: str) -> None:
        if len(line) > devchat.TEXT_MAX:
            self.stdout.write(f"error: a WhatsApp text is at most {devchat.TEXT_MAX} characters")
            return
        choice = devchat.pick(line, self.options_of.get(self.wa_id, []))
        payload = self._delivery(choice=choice) if choice else self._delivery(text=line)
        self._post(payload, f"(tapped: {choice.title})" if choice else "")

    def _post(self, payload: dict, said: str) -> None:
        if said:
            self.stdout.write(said)
        try:
            replies = devchat.post_delivery(self.url, payload, secret=settings.WHATSAPP_APP_SECRET)
        except devchat.DevChatError as error:
            self.stdout.write(f"error: {error.reason}")
            return
        screens = devchat.screens_of(replies)
        self.options_of[self.wa_id] = devchat.all_options(screens)
        text = devchat.render_text(screens) if screens else "(no reply)"
        self.stdout.write("\n".join(f"  {line}" if line else "" for line in text.split("\n")) + "\n")
