"""The dev chat's username-user deliveries (`devtools.devchat`, `devtools.payloads.deliveries`) are the shapes
Meta sends: read back through the real parser, they name the member only by BSUID and username, the Share
option answers WhatsApp's contact request with the member's own number, and a forwarded card is not a contact
request."""

from bot.parsing import parse_webhook
from devtools import devchat
from devtools.payloads.deliveries import sample_bsuid, sample_username
from flows.types import ContactMessage, TextMessage

OURS = "100000000000001"
MEMBER = "263771234567"
OTHER = "263779876543"


def parsed(payload):
    batch = parse_webhook(payload, phone_number_id=OURS)
    assert batch.skipped == 0
    (message,) = batch.messages
    return message


def test_username_user_text_carries_no_number():
    payload = devchat.delivery(wa_id=MEMBER, phone_number_id=OURS, text="hi", username=True)
    assert MEMBER not in str(payload)
    message = parsed(payload)
    assert type(message) is TextMessage
    assert (message.wa_id, message.user_id, message.username) == (
        "",
        sample_bsuid(MEMBER),
        sample_username(MEMBER),
    )


def test_without_username_mode_the_number_is_sent_as_before():
    message = parsed(devchat.delivery(wa_id=MEMBER, phone_number_id=OURS, text="hi"))
    assert (message.wa_id, message.user_id, message.username) == (MEMBER, "", "")


def test_share_answers_the_contact_request_from_the_same_bsuid_with_the_own_number():
    message = parsed(
        devchat.delivery(wa_id=MEMBER, phone_number_id=OURS, choice=devchat.SHARE, username=True)
    )
    assert isinstance(message, ContactMessage)
    assert (message.origin, message.phones, message.cards, message.user_id, message.wa_id) == (
        "contact_request", (MEMBER,), 1, sample_bsuid(MEMBER), ""
    )  # fmt: skip


def test_a_forwarded_vcard_is_of_the_other_number_and_not_a_contact_request():
    message = parsed(
        devchat.vcard_delivery(wa_id=MEMBER, phone_number_id=OURS, phones=[OTHER], username=True)
    )
    assert (message.origin, message.phones, message.user_id) == ("other", (OTHER,), sample_bsuid(MEMBER))


def test_the_request_for_the_number_is_shown_with_the_share_option():
    payload = {
        "type": "interactive",
        "interactive": {"type": "request_contact_info", "body": {"text": "Share?"},
                        "action": {"name": "request_contact_info"}},
    }  # fmt: skip
    screen = devchat.screen_of(payload)
    assert (screen.kind, screen.body, screen.options) == ("contact_request", "Share?", (devchat.SHARE,))
    assert devchat.render_text([screen]).endswith("[1] Share phone number")
