"""The orchestration of ONE inbound message: load state → engine → save (or clear) → replies.

`run_turn` is the only place where the pure engine meets I/O. The caller (`bot.processing`) holds the member
lock around a member's turns and hands it in (`held`); this function never takes it. Whatever goes wrong
inside a flow (or Redis), the member still gets an answer: a short apology with a reference code that is also
logged (with the masked phone and the exception type and stack, never the exception's message, which could
carry member input), and the broken state is cleared so the next message starts clean. A ledger that cannot be
reached (open breaker, timeout, 5xx, rate limit, an answer we cannot read) is not a bug: the member is told
the service is busy and to try again in a minute, and the stored state is left exactly as it was — or, when
the turn's money action went through (or may have) before the ledger got busy, that it did (`busy_text`).

Every ledger wait of the turn (throttle slots, a 429's Retry-After, backoff, another caller's login) shares
one deadline, `MYCREDEX_TURN_WAIT_SECONDS` (`credex_api.deadline`): a member whose turn cannot get the ledger
in time is answered "busy" at once instead of waiting on. All the turn's ledger calls together, requests
included, fit `MYCREDEX_CALL_BUDGET_SECONDS`: the member hears back within it.
"""

from __future__ import annotations

import logging
import secrets
import string
import traceback

from django.conf import settings

from credex_api.deadline import ledger_deadline
from credex_api.errors import CredexBadResponse, CredexBusy, CredexUnauthorized, CredexUnavailable
from flows import outcomes, texts
from flows.confirmations import ConfirmationStore
from flows.engine import advance
from flows.flow import TurnContext
from flows.ledger import CHANGED, MemberLedger
from flows.money import OUTCOME_UNKNOWN
from flows.ports import Ports, ServiceUnreachable
from flows.registry import Registry
from flows.state import ConversationState
from flows.store import ConversationStore, HeldLock, StaleStateError
from flows.types import InboundMessage, Reply, TextReply
from security.alerts import raise_alert
from security.redaction import mask_phone

logger = logging.getLogger(__name__)

REFERENCE_LENGTH = 6
LEDGER_BUSY = (CredexUnavailable, CredexBusy, CredexUnauthorized, CredexBadResponse)


def run_turn(
    event: InboundMessage,
    *,
    now: int,
    ports: Ports | None = None,
    registry: Registry | None = None,
    store: ConversationStore | None = None,
    held: HeldLock | None = None,
) -> list[Reply]:
    """Advance the member's conversation by one inbound message; always returns at least one reply.
    `held`: the member lock the caller holds (its state read and its token fence the save)."""
    try:
        store = store if store is not None else ConversationStore()
        ports = ports if ports is not None else default_ports(event.wa_id)
        ctx = _turn_context(now, ports, registry)
        loaded = store.load(event.wa_id, held=held)
        with ledger_deadline(
            settings.MYCREDEX_TURN_WAIT_SECONDS, total=settings.MYCREDEX_CALL_BUDGET_SECONDS
        ):
            outcome = advance(loaded, event, ctx)
        _persist(store, event.wa_id, loaded, outcome.state, held)
        logger.debug("turn for %s: %s", mask_phone(event.wa_id), outcome.note)
        return list(outcome.replies)
    except LEDGER_BUSY as exc:
        return [_ledger_busy(exc, event.wa_id, ports)]
    except ServiceUnreachable as exc:
        # A money step could not be counted (cache Redis down) before anything was stored or sent: say so,
        # keep the state and give the confirmation back, so the same Confirm works once it is back.
        logger.warning("turn for %s: money check unavailable (%s)", mask_phone(event.wa_id), exc)
        _give_back_confirmation(ports)
        return [TextReply(body=texts.SERVICE_UNREACHABLE)]
    except StaleStateError as exc:
        # Another writer saved first (a lock expired under a slow turn): keep the newer state.
        return [_apology(exc, event.wa_id, money_truth(ports))]
    except Exception as exc:
        reply = _apology(exc, event.wa_id, money_truth(ports))
        _clear_quietly(store, event.wa_id)
        return [reply]


def _ledger_busy(exc: Exception, wa_id: str, ports: Ports | None) -> TextReply:
    """The ledger is unreachable, failing or rate limited: the stored state is kept as it was, so the member
    can simply try again (with the confirmation given back when nothing reached the ledger)."""
    logger.warning("turn for %s: ledger busy (%s)", mask_phone(wa_id), type(exc).__name__)
    if isinstance(exc, CredexUnauthorized):  # our client key or the ledger's auth is broken: page ops
        raise_alert("credex.unauthorized", "the ledger refused our credentials", severity="critical")
    return TextReply(body=busy_text(ports))


def _turn_context(now: int, ports: Ports, registry: Registry | None) -> TurnContext:
    return TurnContext(
        now=now,
        idle_ttl=settings.CONVERSATION_IDLE_TTL_SECONDS,
        registry=registry if registry is not None else _default_registry(),
        ports=ports,
        freshness_seconds=settings.MONEY_FRESHNESS_SECONDS,
        max_amount=settings.MAX_AMOUNT,
    )


def busy_text(ports: Ports | None) -> str:
    """What a member reads when the ledger is busy: "nothing was sent, try again in a minute" (and the
    confirmation this turn used is given back) — unless this turn sent a money instruction: then its real
    outcome, and that the balance shows on the next menu."""
    truth = money_truth(ports)
    if truth is None:
        _give_back_confirmation(ports)  # standing for a fresh pending copy of a row that never left
        return texts.LEDGER_BUSY
    if truth == OUTCOME_UNKNOWN:
        return truth
    return f"{truth} {texts.LEDGER_BUSY_AFTER_CHANGE}"


def money_truth(ports: Ports | None) -> str | None:
    """The true sentence about the money instruction this turn sent (None: it sent none, or one that
    certainly did not reach the ledger, so "nothing was sent" is true)."""
    ledger = ports.ledger if ports is not None else None
    outcome = getattr(ledger, "money_outcome", None)
    try:
        sent = ledger.sent_instruction() if hasattr(ledger, "sent_instruction") else None
    except Exception as exc:  # the database is failing too: say what the call itself answered
        logger.error("could not read this turn's instruction: %s", type(exc).__name__)
        return texts.WENT_THROUGH if outcome == CHANGED else OUTCOME_UNKNOWN
    if sent is None:
        return None
    action, params, state = sent
    if state == outcomes.FAILED and outcome is None:
        return None  # refused, or stopped before it left (throttle, open breaker, 429): nothing was sent
    return outcomes.told(action, params, state)


def _give_back_confirmation(ports: Ports | None) -> None:
    give_back = getattr(ports.confirmations, "give_back", None) if ports is not None else None
    if give_back is None:
        return
    try:
        retry_key = getattr(ports.ledger, "retry_key", None)
        fresh = retry_key() if retry_key is not None else None
        if fresh is not None:
            give_back(fresh)
        else:
            give_back()
    except Exception as exc:  # Redis is failing: the member starts again from the menu
        logger.warning("could not give a confirmation back: %s", type(exc).__name__)


def default_ports(wa_id: str) -> Ports:
    """The real ports of one turn: the member's ledger and the confirmation store on the state Redis."""
    return Ports(ledger=MemberLedger(wa_id), confirmations=ConfirmationStore())


def _default_registry() -> Registry:
    from flows.definitions import REGISTRY  # noqa: PLC0415 - imported lazily: definitions are checked once

    return REGISTRY


def _persist(
    store: ConversationStore,
    wa_id: str,
    loaded: ConversationState | None,
    state: ConversationState | None,
    held: HeldLock | None,
) -> None:
    expected = loaded.version if loaded is not None else 0
    if state is not None:
        store.save(wa_id, state, expected_version=expected, held=held)
    elif loaded is not None:
        store.clear(wa_id)


def new_reference() -> str:
    """A short code the member can quote to support; it appears in the log line of the failure."""
    return "".join(secrets.choice(string.ascii_uppercase) for _ in range(REFERENCE_LENGTH))


def _apology(exc: BaseException, wa_id: str, truth: str | None = None) -> TextReply:
    """The apology with a reference; after a money instruction was sent, its real outcome instead of
    "nothing was done"."""
    reference = new_reference()
    stack = "".join(traceback.format_tb(exc.__traceback__))
    logger.error(
        "turn failed ref=%s member=%s error=%s\n%s", reference, mask_phone(wa_id), type(exc).__name__, stack
    )
    if truth is not None:
        return TextReply(body=f"{truth} {texts.APOLOGY_AFTER_MONEY.format(reference=reference)}")
    return TextReply(body=texts.APOLOGY.format(reference=reference))


def _clear_quietly(store: ConversationStore | None, wa_id: str) -> None:
    if store is None:
        return
    try:
        store.clear(wa_id)
    except Exception as exc:  # Redis itself is failing; the apology is still sent
        logger.error("could not clear the state of %s: %s", mask_phone(wa_id), type(exc).__name__)
