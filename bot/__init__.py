"""WhatsApp edge: webhook and notify views, payload parsing, inbox/outbox, rendering, sender, worker."""
