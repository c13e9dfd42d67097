"""The sandbox's only Django app: the ledger models, rules and HTTP routes."""
