"""The pure engine: global words in every state, cancel and back, validation, stale taps, unsupported input.

Driven through `tests/unit/demo_flows.py` (a miniature money flow with a recording fake ledger) with a fixed
clock; every reply of every turn is rendered by the real `bot.rendering.render`, which raises on any
WhatsApp limit, and a turn without a reply fails the `Chat` driver.
"""

import pytest

from flows import ids, texts
from flows.types import ButtonsReply, ListReply, TextReply
from flows.words import CANCEL_WORDS, GREETINGS, MENU_WORDS
from tests.unit.demo_flows import (
    BAD_AMOUNT,
    BAD_HANDLE,
    HOME_BODY,
    Chat,
    body_of,
    chat_at,
    id_titled,
    unsupported,
)

PAY_STEPS = ("amount", "handle", "confirm")


# --- global words ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("word", sorted(GREETINGS | MENU_WORDS))
@pytest.mark.parametrize("step", [None, *PAY_STEPS])
def test_greetings_and_menu_show_home_from_every_state_and_execute_nothing(word, step):
    chat = chat_at(step) if step else Chat()
    replies = chat.say(f"  {word.upper()}! ")
    assert len(replies) == 1
    assert body_of(replies[0]).startswith(HOME_BODY)
    assert chat.state is None
    assert chat.ledger.payments == []


def test_a_greeting_tells_home_it_is_a_greeting_and_menu_does_not():
    chat = Chat()
    assert "(hello!)" in body_of(chat.say("Mhoro")[0])
    assert "(hello!)" not in body_of(chat.say("menu")[0])


@pytest.mark.parametrize("word", sorted(CANCEL_WORDS))
@pytest.mark.parametrize("step", PAY_STEPS)
def test_cancel_words_abandon_the_flow_say_so_and_show_home(word, step):
    chat = chat_at(step)
    replies = chat.say(word.title() + ".")
    assert body_of(replies[0]).startswith(texts.CANCELLED)
    assert HOME_BODY in body_of(replies[0])
    assert chat.state is None
    assert chat.ledger.payments == []


def test_cancel_with_no_flow_says_there_was_nothing_to_cancel():
    replies = Chat().say("cancel")
    assert body_of(replies[0]).startswith(texts.NOTHING_TO_CANCEL)


def test_cancel_button_on_the_confirmation_executes_nothing_and_the_old_confirm_stays_dead():
    chat = Chat()
    confirm_screen = chat.at_confirm()
    chat.tap(id_titled(confirm_screen, "Cancel"))
    replies = chat.tap(id_titled(confirm_screen, "Confirm"))
    assert chat.ledger.payments == []
    assert body_of(replies[0]).startswith(texts.STALE_TAP)
    assert chat.state is None


def test_typed_cancel_beats_step_input_even_where_any_text_is_accepted():
    chat = chat_at("handle")  # the handle step takes free text
    chat.say("CANCEL")
    assert chat.state is None
    assert chat.ledger.payments == []


# --- the happy path, confirmation, double taps -------------------------------------------------------------


def test_confirming_executes_once_and_finishes_with_the_result_above_home():
    chat = Chat()
    confirm_screen = chat.at_confirm("12.50", "Bob")
    assert body_of(confirm_screen[0]) == "Pay 12.50 to bob?"
    replies = chat.tap(id_titled(confirm_screen, "Confirm"))
    assert chat.ledger.payments == [{"amount": "12.50", "handle": "bob"}]
    assert body_of(replies[0]).startswith("Paid 12.50 to bob.")
    assert HOME_BODY in body_of(replies[0])
    assert chat.state is None


def test_a_second_tap_of_the_same_confirmation_is_stale_and_pays_nothing_more():
    chat = Chat()
    confirm_id = id_titled(chat.at_confirm(), "Confirm")
    chat.tap(confirm_id)
    replies = chat.tap(confirm_id)
    assert len(chat.ledger.payments) == 1
    assert body_of(replies[0]).startswith(texts.STALE_TAP)


def test_a_confirmation_from_an_earlier_screen_does_not_act_on_the_current_one():
    chat = Chat()
    first = id_titled(chat.at_confirm("5", "ann"), "Confirm")
    chat.say("back")
    chat.now += 1
    chat.say("bob")  # a new confirmation screen with a new nonce
    replies = chat.tap(first)
    assert chat.ledger.payments == []
    assert body_of(replies[0]).startswith(texts.STALE_TAP)
    assert chat.state.step == "confirm"  # the current screen is shown again, nothing lost
    assert body_of(replies[0]).endswith("Pay 5 to bob?")


# --- validation and back --------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["", "abc", "1e3", "12.505", "0", "1,000", "-5", "١٠٠"])
def test_invalid_amount_re_prompts_with_the_reason_in_one_message(bad):
    chat = chat_at("amount")
    replies = chat.say(bad)
    assert len(replies) == 1
    assert isinstance(replies[0], ButtonsReply)
    assert body_of(replies[0]) == f"{BAD_AMOUNT}\n\nHow much do you want to pay?"
    assert chat.state.step == "amount"


def test_invalid_handle_re_prompts_and_keeps_the_amount_already_entered():
    chat = chat_at("handle")
    replies = chat.say("b!")
    assert body_of(replies[0]).startswith(BAD_HANDLE)
    assert "Pay 12.50 to whom?" in body_of(replies[0])
    assert chat.state.data["amount"] == "12.50"


def test_back_goes_one_step_back_keeping_data_and_at_the_first_step_goes_home():
    chat = chat_at("confirm")
    assert body_of(chat.say("Back")[0]) == "Pay 12.50 to whom? Type their handle."
    assert chat.state.step == "handle"
    assert chat.state.data["amount"] == "12.50"
    chat.say("back")
    assert chat.state.step == "amount"
    replies = chat.say("back")
    assert chat.state is None
    assert body_of(replies[0]).startswith(HOME_BODY)


def test_back_button_works_like_the_word():
    chat = Chat()
    chat.tap(id_titled(chat.at_confirm(), "Back"))
    assert chat.state.step == "handle"


def test_back_with_no_flow_shows_home():
    assert body_of(Chat().say("back")[0]).startswith(HOME_BODY)


# --- stale and malformed taps ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "choice_id",
    [
        "v1:pay:confirm:yes:n1767000000x2",  # a plausible confirm of a screen never shown
        "v1:pay:amount:yes",  # right flow, wrong step
        "v2:pay:confirm:yes:n1767000000x2",  # unknown version
        "v1:pay:confirm:yes:n 1",  # space in the argument
        "v1:pay:confirm:yes:a:b",  # too many parts
        "V1:PAY:CONFIRM:YES",  # case matters
        "X",
        "",
        "v1:" + "a" * 300,
    ],
)
def test_a_tap_not_on_the_current_screen_does_nothing_and_re_prompts(choice_id):
    chat = chat_at("handle")
    replies = chat.tap(choice_id)
    assert chat.ledger.payments == []
    assert body_of(replies[0]) == f"{texts.STALE_TAP}\n\nPay 12.50 to whom? Type their handle."
    assert chat.state.step == "handle"


def test_a_non_entry_tap_with_no_flow_is_stale_and_shows_home():
    replies = Chat().tap("v1:pay:confirm:yes:n1")
    assert body_of(replies[0]).startswith(texts.STALE_TAP)
    assert HOME_BODY in body_of(replies[0])


def test_an_entry_tap_starts_its_flow_from_any_state_abandoning_the_current_one():
    chat = chat_at("confirm")
    chat.ledger.items = ["alpha", "beta"]
    replies = chat.tap(ids.entry("inbox"))
    assert isinstance(replies[0], ListReply)
    assert chat.state.flow == "inbox"
    assert "amount" not in chat.state.data
    assert chat.ledger.payments == []


def test_a_step_that_takes_no_text_asks_for_a_tap():
    chat = chat_at("confirm")
    replies = chat.say("yes please")
    assert body_of(replies[0]).startswith(texts.CHOOSE_AN_OPTION)
    assert chat.ledger.payments == []


# --- unsupported, unknown, fallback ----------------------------------------------------------------------


def test_unsupported_with_no_flow_gets_the_polite_sentence_with_the_menu_hint():
    replies = Chat().send(unsupported("image"))
    assert replies == (TextReply(body=texts.UNSUPPORTED),)
    assert "menu" in texts.UNSUPPORTED


def test_unsupported_in_a_flow_keeps_the_flow_and_repeats_the_prompt():
    chat = chat_at("handle")
    replies = chat.send(unsupported("audio"))
    assert body_of(replies[0]).startswith(texts.UNSUPPORTED)
    assert chat.state.step == "handle"
    assert chat.state.data["amount"] == "12.50"


def test_unknown_text_with_no_flow_says_so_above_home_in_one_message():
    replies = Chat().say("what is this")
    assert len(replies) == 1
    assert body_of(replies[0]) == f"{texts.NOT_UNDERSTOOD}\n\n{HOME_BODY}"
