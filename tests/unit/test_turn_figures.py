"""The turn benchmark's arithmetic (`bench/turn_figures.py`) on constructed send and reply times: a wrong
match or percentile would print figures that flatter or slander the bot."""

from __future__ import annotations

import pytest

from bench.turn_figures import UNANSWERED, TurnFigures, answered_window, match_turns

A, B = "263771000001", "263771000002"


def test_kth_message_is_answered_by_kth_reply_of_the_same_member():
    sent = {A: [10.0, 11.0], B: [10.5]}
    replies = {A: [10.2, 11.4], B: [10.6]}  # B's reply came before A's second: matched per member
    latencies = sorted(turn.latency for turn in match_turns(sent, replies, timeout=5))
    assert latencies == pytest.approx([0.1, 0.2, 0.4])


def test_missing_or_late_reply_is_unanswered():
    sent = {A: [10.0, 11.0, 12.0]}
    replies = {A: [10.1, 17.5]}  # the second turn's reply took 6.5 s, the third never came
    turns = match_turns(sent, replies, timeout=5)
    assert [turn.latency for turn in turns] == [pytest.approx(0.1), UNANSWERED, UNANSWERED]


def test_replies_and_sends_out_of_order_are_sorted_first():
    turns = match_turns({A: [11.0, 10.0]}, {A: [11.3, 10.2]}, timeout=5)
    assert sorted(turn.latency for turn in turns) == pytest.approx([0.2, 0.3])


def test_throughput_counts_answered_turns_from_first_send_to_last_answered_reply():
    turns = match_turns({A: [0.0, 1.0], B: [0.5]}, {A: [0.5, 2.0]}, timeout=5)  # B unanswered
    assert answered_window(turns) == pytest.approx(2.0)
    figures = TurnFigures.of("t", turns, ledger_per_turn=1.0, timeout=5)
    assert (figures.answered, figures.unanswered) == (2, 1)
    assert figures.per_second == pytest.approx(1.0)


def test_a_percentile_landing_on_an_unanswered_turn_prints_beyond_the_timeout():
    sent = {f"26377100{n:04d}": [0.0] for n in range(100)}
    replies = {member: [0.05] for member in list(sent)[:98]}  # two of a hundred never answered
    figures = TurnFigures.of("t", match_turns(sent, replies, timeout=8), 1.0, timeout=8)
    assert figures.shown_ms(0.5) == "50"
    assert figures.shown_ms(0.99) == "> 8000"
    assert figures.shown_ms(1.0) == "> 8000"
