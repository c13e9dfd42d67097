"""Fault injection on real processes (workers, Redis, the sandbox ledger): each case bounded in time, on free
ports, and asserting what a member or operator would notice (replies lost, doubled, late, or untrue)."""
