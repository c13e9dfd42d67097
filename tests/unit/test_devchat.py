"""`devtools/devchat.py`, the dev chat's pure part: the Graph JSON the bot sends (made by the real renderer)
read back as screens and printed as text with numbered options; typed numbers mapped to the option they tap;
and the deliveries built for a typed line or a tap, as the real webhook parser reads them."""

import pytest

from bot.parsing import parse_webhook
from bot.rendering import render
from devtools import devchat
from devtools.devchat import Option, Screen
from flows.types import (
    Button,
    ButtonsReply,
    ChoiceMessage,
    ListReply,
    ListRow,
    ListSection,
    TemplateReply,
    TextMessage,
    TextReply,
)

TO = "263771234567"
OUR_NUMBER = "100000000000001"

BUTTONS = ButtonsReply(
    header="Confirm",
    body="Send 5.00 USD to shop_1?",
    footer="Nothing is sent until you confirm",
    buttons=(
        Button(id="v1:pay:confirm:yes", title="Confirm"),
        Button(id="v1:pay:confirm:no", title="Cancel"),
    ),
)
LIST = ListReply(
    body="What would you like to know?",
    button="Topics",
    sections=(
        ListSection(
            title="Help", rows=(ListRow(id="v1:help:t:fees", title="Fees", description="What costs what"),)
        ),
        ListSection(title="More", rows=(ListRow(id="v1:about:entry:open", title="About credex"),)),
    ),
)
TEMPLATE = TemplateReply(
    name="credex_offer_received",
    language="en",
    body_params=("Tendai", "5.00 USD"),
    quick_reply_payloads=("v1:offers:entry:accept", "v1:offers:entry:decline"),
)


def screen(reply) -> Screen:
    return devchat.screen_of(render(reply, to=TO))


def test_a_text_reply_is_its_body():
    assert (
        devchat.render_text([screen(TextReply(body="Hello *Tendai*\nWelcome"))]) == "Hello *Tendai*\nWelcome"
    )


def test_buttons_show_header_body_footer_then_numbered_titles():
    assert screen(BUTTONS).lines() == [
        "Confirm",
        "Send 5.00 USD to shop_1?",
        "Nothing is sent until you confirm",
        "[1] Confirm",
        "[2] Cancel",
    ]
    assert screen(BUTTONS).options == (
        Option("button", "v1:pay:confirm:yes", "Confirm"),
        Option("button", "v1:pay:confirm:no", "Cancel"),
    )


def test_a_list_shows_its_button_label_and_the_rows_of_every_section():
    assert screen(LIST).lines() == [
        "What would you like to know?",
        "☰ Topics",
        "[1] Fees — What costs what",
        "[2] About credex",
    ]
    assert screen(LIST).options[0] == Option("list", "v1:help:t:fees", "Fees", "What costs what")


def test_a_template_shows_its_name_parameters_and_numbered_quick_replies():
    assert screen(TEMPLATE).lines() == [
        "template credex_offer_received: Tendai, 5.00 USD",
        "[1] v1:offers:entry:accept",
        "[2] v1:offers:entry:decline",
    ]
    assert {option.kind for option in screen(TEMPLATE).options} == {"quick_reply"}
    bare = TemplateReply(name="hello_world", language="en_US")
    assert screen(bare).lines() == ["template hello_world"]


def test_an_unknown_payload_is_named_not_dropped():
    assert devchat.screen_of({"type": "image", "image": {"id": "1"}}).lines() == ["(image message)"]


def test_numbers_run_on_across_the_screens_of_one_answer():
    screens = [screen(TextReply(body="Cancelled.")), screen(BUTTONS), screen(LIST)]
    text = devchat.render_text(screens)
    assert "[1] Confirm" in text and "[2] Cancel" in text
    assert "[3] Fees — What costs what" in text and "[4] About credex" in text
    options = devchat.all_options(screens)
    assert devchat.pick("3", options) == Option("list", "v1:help:t:fees", "Fees", "What costs what")
    assert devchat.pick(" 1 ", options).title == "Confirm"
    payload = screens[2].as_dict(first_number=3)
    assert [option["number"] for option in payload["options"]] == [3, 4]
    assert payload["kind"] == "list" and payload["button"] == "Topics" and "[3] Fees" in payload["text"]


@pytest.mark.parametrize("line", ["0", "5", "-1", "1.0", "one", "", "١", "１", "12 apples"])
def test_anything_but_an_option_number_is_not_a_tap(line):
    options = devchat.all_options([screen(LIST), screen(BUTTONS)])
    assert len(options) == 4
    assert devchat.pick(line, options) is None


def test_a_number_with_no_options_shown_is_typed_text():
    assert devchat.pick("1", []) is None


@pytest.mark.parametrize(
    ("value", "valid"),
    [("263771234567", True), ("12", True), ("1" * 15, True), ("1", False), ("1" * 16, False),
     ("0771234567", False), ("+263771234567", False), ("٢٦٣٧٧", False), (263771234567, False), (None, False)],
)  # fmt: skip
def test_member_numbers(value, valid):
    assert devchat.valid_phone(value) is valid


def parsed(payload: dict):
    [message] = parse_webhook(payload, phone_number_id=OUR_NUMBER).messages
    return message


def test_a_typed_line_is_delivered_as_a_text_message():
    message = parsed(devchat.delivery(wa_id=TO, phone_number_id=OUR_NUMBER, text="help"))
    assert isinstance(message, TextMessage)
    assert (message.body, message.wa_id) == ("help", TO)


@pytest.mark.parametrize(
    ("kind", "source", "wire_type"),
    [
        ("button", "button", "interactive"),
        ("list", "list", "interactive"),
        ("quick_reply", "quick_reply", "button"),
    ],
)
def test_a_tap_is_delivered_as_whatsapp_sends_it(kind, source, wire_type):
    option = Option(kind, "v1:help:topics:topic:fees", "Fees", "What costs what")
    payload = devchat.delivery(wa_id=TO, phone_number_id=OUR_NUMBER, choice=option)
    wire = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    assert wire["type"] == wire_type and wire["context"]["id"].startswith("wamid.")
    message = parsed(payload)
    assert isinstance(message, ChoiceMessage)
    assert (message.choice_id, message.title, message.source) == ("v1:help:topics:topic:fees", "Fees", source)


def test_exact_tap_shapes():
    def wire(kind):
        option = Option(kind, "row-1", "Fees", "What costs what")
        return devchat.delivery(wa_id=TO, phone_number_id=OUR_NUMBER, choice=option)["entry"][0]["changes"][
            0
        ]["value"]["messages"][0]

    assert wire("button")["interactive"] == {
        "type": "button_reply",
        "button_reply": {"id": "row-1", "title": "Fees"},
    }
    assert wire("list")["interactive"] == {
        "type": "list_reply",
        "list_reply": {"id": "row-1", "title": "Fees", "description": "What costs what"},
    }
    assert wire("quick_reply")["button"] == {"payload": "row-1", "text": "Fees"}


def test_each_delivery_has_a_fresh_message_id():
    ids = {
        parsed(devchat.delivery(wa_id=TO, phone_number_id=OUR_NUMBER, text="hi")).message_id for _ in range(3)
    }
    assert len(ids) == 3


def test_exactly_one_of_text_and_choice():
    with pytest.raises(ValueError, match="exactly one"):
        devchat.delivery(wa_id=TO, phone_number_id=OUR_NUMBER)
    with pytest.raises(ValueError, match="exactly one"):
        devchat.delivery(wa_id=TO, phone_number_id=OUR_NUMBER, text="hi", choice=Option("list", "a", "A"))


def test_refusals_have_a_one_line_reason():
    assert devchat.reason_for_status(403).startswith("mock testing is disabled on that server")
    assert devchat.reason_for_status(418) == "the server answered HTTP 418"
    assert all("\n" not in devchat.reason_for_status(code) for code in (400, 401, 403, 404, 413, 500, 502))
