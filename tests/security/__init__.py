"""The attack matrices (issue 18): what an outside attacker tries, as data, and the refusal each must get.

Each `test_<area>_attacks.py` holds a module-level list of rows, one attack per row (what is sent, by whom,
and the refusal expected: a status, and that nothing was stored, sent or executed), and one parametrized
test that plays every row through the real views, real Redis and the real database. A new hole is one row.
"""
