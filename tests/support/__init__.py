"""Test support: the Redis/DB harness plugin, payload builders, signing helpers and fake servers."""
