"""`prepare_sandbox` lives here."""
