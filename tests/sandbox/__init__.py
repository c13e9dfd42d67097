"""Tests of the MyCredex sandbox ledger, against the real subprocess over HTTP."""
