"""The only code that talks to the MyCredex ledger: a guarded client, typed results, money instructions.

Entry points: `credex_api.services` (keyword-only ledger operations), `credex_api.instructions` (the money
path: create → confirm → execute, exactly once), `credex_api.reconcile` (settle `unknown` instructions) and
`credex_api.breaker.breaker_status()` (ops). Layering: imports Django, Redis, requests and `security`, never
`bot` or `flows`.
"""
