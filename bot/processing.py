"""Processing of stored inbox rows (being written by the lead; the webhook view calls these two functions).

- `dispatch_committed(inbox_ids)`: called after the inbox transaction commits. Queue mode pushes the ids to
  the Redis stream for `run_worker`; inline mode processes each affected member now.
- `process_capturing(inbox_ids)`: mock testing. Processes the affected members inline and returns the exact
  WhatsApp JSON payloads the bot would have sent, in order, instead of sending them.
"""


def dispatch_committed(inbox_ids: list[int]) -> None:
    """Hand committed inbox rows to processing (queue or inline, per settings.PROCESSING_MODE)."""
    raise NotImplementedError


def process_capturing(inbox_ids: list[int]) -> list[dict]:
    """Process inline and return the outgoing WhatsApp payloads instead of sending them."""
    raise NotImplementedError
