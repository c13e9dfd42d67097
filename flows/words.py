"""Global words and how typed text is normalised before matching them (pure).

A global word wins over step input in every state. Matching is on the whole message after `normalize`:
NFKC, case-folded, surrounding spaces/punctuation/emoji trimmed, inner runs of spaces collapsed — so
"Hi!", "  MENU ", "cancel.", "hi 👋" and "Hi there!" match, while "hi bot" and "0.5=>x" do not. Greetings
include the ways members in Zimbabwe say hello: "hie", "mhoro"/"mhoroi" (Shona), "salibonani" (Ndebele).
"""

from __future__ import annotations

import unicodedata

GREETINGS = frozenset(
    {
        "hi",
        "hie",
        "hi there",
        "hello",
        "hey",
        "start",
        "mhoro",
        "mhoroi",
        "salibonani",
        "makadii",
        "ndeipi",
        "sawubona",
        "jambo",
        "habari",
        "bonjour",
        "salut",
        "hola",
    }
)
MENU_WORDS = frozenset({"menu", "home"})
CANCEL_WORDS = frozenset({"cancel", "stop", "x"})
BACK_WORDS = frozenset({"back"})
ENGINE_WORDS = GREETINGS | MENU_WORDS | CANCEL_WORDS | BACK_WORDS


def _is_edge_noise(char: str) -> bool:
    """Spaces, punctuation, symbols and marks (emoji and their modifiers), controls: trimmed at both ends."""
    return unicodedata.category(char)[0] in "PSZCM"


def normalize(text: str) -> str:
    """The form of `text` that global words and trigger words are compared with."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    start, end = 0, len(folded)
    while start < end and _is_edge_noise(folded[start]):
        start += 1
    while end > start and _is_edge_noise(folded[end - 1]):
        end -= 1
    return " ".join(folded[start:end].split())
