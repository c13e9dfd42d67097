"""Management commands of the ledger client."""
