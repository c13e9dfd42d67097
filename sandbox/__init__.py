"""The MyCredex sandbox ledger: a stand-in for credex-core (envelope era) with its own Django project.

It runs as its own process (`python -m sandbox --port 8001`) with its own settings (`sandbox.settings`),
URLconf and SQLite database, and imports nothing from the bot's packages (nor they from it).
"""
