"""Tests of the MyCredex ledger client (`credex_api`)."""
