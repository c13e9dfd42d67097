"""Rendering of replies to the exact Graph API message JSON, recipient format, and UTF-16 counting.

Expected dicts are written by hand from Meta's documented shapes (text, reply buttons, list, template), not
produced by the code under test. Every limit at its boundary is in `test_rendering_limits.py`.
"""

import pytest

from bot.rendering import InvalidRecipientError, ReplyLimitError, render, render_kind, utf16_len
from flows.types import (
    Button,
    ButtonsReply,
    ListReply,
    ListRow,
    ListSection,
    TemplateReply,
    TextReply,
)

WA_ID = "263771234567"
ENVELOPE = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "+263771234567"}
OFFER_TITLE = "💸 Offer Secured Credex 💸"  # 24 code points, 26 UTF-16 units


def buttons(*titles: str) -> tuple[Button, ...]:
    return tuple(Button(id=f"b{i}", title=title) for i, title in enumerate(titles))


def rows(count: int, prefix: str = "r") -> tuple[ListRow, ...]:
    return tuple(ListRow(id=f"{prefix}{i}", title=f"Row {i}") for i in range(count))


def a_list(*sections: ListSection, body: str = "Pick one", button: str = "Menu") -> ListReply:
    return ListReply(body=body, button=button, sections=sections)


# --- exact shapes ----------------------------------------------------------------------------------------


def test_text_reply_renders_to_metas_text_message():
    payload = render(TextReply(body="Hello *Tendai*", preview_url=True), to=WA_ID)
    assert payload == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+263771234567",
        "type": "text",
        "text": {"body": "Hello *Tendai*", "preview_url": True},
    }
    assert render_kind(TextReply(body="x")) == "text"


def test_recipient_with_plus_is_kept_and_digits_get_one():
    assert render(TextReply(body="x"), to="+263771234567")["to"] == "+263771234567"
    assert render(TextReply(body="x"), to=WA_ID)["to"] == "+263771234567"


@pytest.mark.parametrize("to", ["", "+", "0771234567", "26377123456789012", "2637712345a7", "++26377123"])
def test_recipient_that_is_not_e164_is_refused_without_echoing_it(to):
    with pytest.raises(InvalidRecipientError) as caught:
        render(TextReply(body="x"), to=to)
    assert to.strip("+") == "" or to.strip("+") not in str(caught.value)


def test_buttons_reply_with_header_and_footer():
    reply = ButtonsReply(
        body="Send $5.00 to Rudo?",
        header="Confirm",
        footer="VimbisoPay",
        buttons=(Button(id="confirm:abc", title="Confirm"), Button(id="cancel:abc", title="Cancel")),
    )
    assert render(reply, to=WA_ID) == {
        **ENVELOPE,
        "type": "interactive",
        "interactive": {
            "type": "button",
            "header": {"type": "text", "text": "Confirm"},
            "body": {"text": "Send $5.00 to Rudo?"},
            "footer": {"text": "VimbisoPay"},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": "confirm:abc", "title": "Confirm"}},
                    {"type": "reply", "reply": {"id": "cancel:abc", "title": "Cancel"}},
                ]
            },
        },
    }
    assert render_kind(reply) == "interactive"


def test_buttons_reply_without_header_or_footer_leaves_them_out():
    payload = render(ButtonsReply(body="Hi", buttons=(Button(id="m", title="Menu"),)), to=WA_ID)
    assert payload["interactive"] == {
        "type": "button",
        "body": {"text": "Hi"},
        "action": {"buttons": [{"type": "reply", "reply": {"id": "m", "title": "Menu"}}]},
    }


def test_list_reply_with_two_sections():
    reply = ListReply(
        body="What would you like to do?",
        button="Options",
        header="Dashboard",
        footer="Balance $12.50",
        sections=(
            ListSection(
                title="Offers",
                rows=(
                    ListRow(id="offer", title="Offer credex", description="Send credex to a member"),
                    ListRow(id="incoming", title="Incoming offers (2)"),
                ),
            ),
            ListSection(title="Account", rows=(ListRow(id="ledger", title="Ledger"),)),
        ),
    )
    assert render(reply, to=WA_ID) == {
        **ENVELOPE,
        "type": "interactive",
        "interactive": {
            "type": "list",
            "header": {"type": "text", "text": "Dashboard"},
            "body": {"text": "What would you like to do?"},
            "footer": {"text": "Balance $12.50"},
            "action": {
                "button": "Options",
                "sections": [
                    {
                        "title": "Offers",
                        "rows": [
                            {
                                "id": "offer",
                                "title": "Offer credex",
                                "description": "Send credex to a member",
                            },
                            {"id": "incoming", "title": "Incoming offers (2)"},
                        ],
                    },
                    {"title": "Account", "rows": [{"id": "ledger", "title": "Ledger"}]},
                ],
            },
        },
    }


def test_single_section_list_may_omit_the_section_title():
    payload = render(a_list(ListSection(title="", rows=rows(1))), to=WA_ID)
    assert payload["interactive"]["action"] == {
        "button": "Menu",
        "sections": [{"rows": [{"id": "r0", "title": "Row 0"}]}],
    }


def test_template_with_body_params_and_quick_replies():
    reply = TemplateReply(
        name="incoming_notification",
        language="en_US",
        body_params=("Rudo Moyo", "You have a new offer of $5.00"),
        quick_reply_payloads=("accept:n1", "decline:n1"),
    )
    assert render(reply, to=WA_ID) == {
        **ENVELOPE,
        "type": "template",
        "template": {
            "name": "incoming_notification",
            "language": {"code": "en_US"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Rudo Moyo"},
                        {"type": "text", "text": "You have a new offer of $5.00"},
                    ],
                },
                {
                    "type": "button",
                    "sub_type": "quick_reply",
                    "index": "0",
                    "parameters": [{"type": "payload", "payload": "accept:n1"}],
                },
                {
                    "type": "button",
                    "sub_type": "quick_reply",
                    "index": "1",
                    "parameters": [{"type": "payload", "payload": "decline:n1"}],
                },
            ],
        },
    }
    assert render_kind(reply) == "template"


def test_template_without_parameters_has_no_components():
    assert render(TemplateReply(name="hello_world"), to=WA_ID)["template"] == {
        "name": "hello_world",
        "language": {"code": "en_US"},
    }


def test_rendering_is_not_a_reply_type_error():
    with pytest.raises(TypeError):
        render("hello", to=WA_ID)  # type: ignore[arg-type]


# --- counting --------------------------------------------------------------------------------------------


def test_emoji_count_as_two_utf16_units():
    assert len(OFFER_TITLE) == 24
    assert utf16_len(OFFER_TITLE) == 26
    assert utf16_len("é") == 1


def test_row_title_of_24_code_points_but_26_units_is_refused():
    section = ListSection(title="", rows=(ListRow(id="o", title=OFFER_TITLE),))
    with pytest.raises(ReplyLimitError, match=r"title: 26 UTF-16 units"):
        render(a_list(section), to=WA_ID)
    fits = ListSection(title="", rows=(ListRow(id="o", title="💸 Offer Secured Credex"),))  # 22 + 1 = 23
    render(a_list(fits), to=WA_ID)


def test_button_title_with_emoji_counts_units():
    render(ButtonsReply(body="x", buttons=buttons("💸" * 10)), to=WA_ID)  # 20 units
    with pytest.raises(ReplyLimitError):
        render(ButtonsReply(body="x", buttons=buttons("💸" * 10 + "a")), to=WA_ID)  # 21 units


def test_limit_error_does_not_echo_the_content():
    secret_text = "pay 9999 to Chipo " * 300
    with pytest.raises(ReplyLimitError) as caught:
        render(TextReply(body=secret_text), to=WA_ID)
    assert "Chipo" not in str(caught.value)
    assert "text.body" in str(caught.value)
