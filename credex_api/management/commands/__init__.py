"""`reconcile_instructions` (settle unknown instructions) and `credex_breaker` (breaker state for ops)."""
