"""Management commands of the deploy app (`deploy/management/commands`)."""
