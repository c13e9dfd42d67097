"""Management commands of the sandbox ledger."""
