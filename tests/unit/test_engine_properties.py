"""Property test: random conversations never crash, never go silent, and never pay without a live Confirm tap.

Hypothesis drives one member through random sequences of global words, valid and invalid input, taps on the
current screen, taps replayed from earlier screens, forged ids, unsupported messages and idle gaps, against
the demo money flow plus the real help and about flows. After every turn: at least one reply, every reply
within WhatsApp's limits (rendered by `bot.rendering`), and the ledger was called to pay if and only if the
event was a tap of the Confirm id that the current, unexpired confirmation screen offered.
"""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows import ids
from flows.definitions.about import About
from flows.definitions.help import Help
from flows.registry import Registry
from flows.screens import screen_ids
from tests.unit.demo_flows import IDLE_TTL, Chat, DemoHome, Inbox, Pay, tap, text, unsupported

WORDS = ["hi", "Menu", "CANCEL", "stop", "x", "back", "help", "about", "pay", "Hola!", " home "]
INPUTS = ["12.50", "0", "1e3", "bob", "B!", "5=>bob", "7 => carol", "", "yes", "Confirm"]
FORGED = ["v1:pay:confirm:yes:n1", "v1:pay:confirm:yes", "v9:pay:amount:cancel", "v1:help:topics:topic:x"]
ENTRIES = [ids.entry("pay"), ids.entry("inbox"), ids.entry("help", arg="fees"), ids.entry("about")]


def registry() -> Registry:
    return Registry((Pay(), Inbox(), Help(), About()), DemoHome())


def live_confirm_id(chat: Chat) -> str | None:
    """The Confirm id the member may tap right now, or None when no live confirmation is shown."""
    state = chat.state
    if state is None or (state.flow, state.step) != ("pay", "confirm"):
        return None
    if chat.now - state.updated_at > IDLE_TTL:
        return None
    return ids.make("pay", "confirm", "yes", state.data["nonce"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_conversations_are_never_silent_and_never_pay_without_a_live_confirmation(data):
    chat = Chat(registry())
    chat.ledger.items = ["alpha", "beta"]
    seen_ids: list[str] = []
    for _ in range(data.draw(st.integers(min_value=1, max_value=25), label="turns")):
        kind = data.draw(
            st.sampled_from(["word", "input", "garbage", "tap", "replay", "forged", "unsupported", "wait"])
        )
        if kind == "wait":
            chat.now += data.draw(st.integers(min_value=1, max_value=2 * IDLE_TTL))
            continue
        event = _event(kind, chat, seen_ids, data)
        allowed = live_confirm_id(chat)
        paid_before = len(chat.ledger.payments)
        replies = chat.send(event)  # asserts a reply and renders each one within limits
        paid = len(chat.ledger.payments) - paid_before
        assert paid == (1 if allowed is not None and getattr(event, "choice_id", None) == allowed else 0)
        seen_ids.extend(choice_id for reply in replies for choice_id in screen_ids(reply))


def _event(kind, chat, seen_ids, data):
    texts_by_kind = {
        "word": st.sampled_from(WORDS),
        "input": st.sampled_from(INPUTS),
        "garbage": st.text(max_size=40),
    }
    if kind in texts_by_kind:
        return text(data.draw(texts_by_kind[kind]), ts=chat.now)
    if kind == "unsupported":
        return unsupported(ts=chat.now)
    if kind == "forged":
        return tap(data.draw(st.sampled_from(FORGED + ENTRIES) | st.text(max_size=60)), ts=chat.now)
    current = sorted(screen_ids(chat.last.replies[-1])) if chat.last else []
    pool = current if kind == "tap" else seen_ids
    if not pool:
        return text("menu", ts=chat.now)
    return tap(data.draw(st.sampled_from(pool)), ts=chat.now)
