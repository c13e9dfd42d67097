"""Fault injection on real processes (workers, Redis, the database): each case bounded in time."""
