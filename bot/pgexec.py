"""`fetch_one(connection, statement, params)`: one autocommit statement run straight on libpq, first row back.

The webhook's lone-message INSERT is the only statement of its request. Through a psycopg `Cursor` it costs
about 100 µs of client CPU per delivery (query conversion, the generator/wait machinery); the same statement
on the connection's libpq wrapper (`connection.pgconn`, psycopg's documented low-level layer) costs about
45 µs. Parameters are still adapted by psycopg's own dumpers (a `Transformer` on the connection) and the row
is loaded by its loaders, so values look exactly as through a cursor. (Measured with a loop of 5 000 inserts
into a loopback PostgreSQL; the webhook's end-to-end figures are `bench/webhook_ack.py`'s.)

Rules it keeps:
- Autocommit only: in a transaction psycopg must send its BEGIN first, so callers inside `atomic()` use a
  cursor (`bot.dbinsert` does). Called otherwise, it raises `psycopg.ProgrammingError`.
- `prepare=True`: parsed and planned once per connection under a name of ours (`vp_1`, `vp_2`, … never
  psycopg's `_pg3_*`). If the server lost it (`DISCARD ALL`, SQLSTATE 26000) nothing ran, so it is prepared
  again and run once more. `prepare=False` (PgBouncer in transaction mode): an unnamed statement each time.
- A failed statement raises the psycopg error for its SQLSTATE (`psycopg.errors`), which Django's
  `wrap_database_errors` turns into its own (`IntegrityError`, …).
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import errors, pq
from psycopg.adapt import PyFormat, Transformer

SQLSTATE_NO_SUCH_STATEMENT = "26000"  # invalid_sql_statement_name
_OK = (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK)
_names = itertools.count(1)


@dataclass
class _ConnectionState:
    """Per psycopg connection: its adapters and the statements we prepared on it (statement → name)."""

    transformer: Transformer
    prepared: dict[bytes, bytes] = field(default_factory=dict)


_states: weakref.WeakKeyDictionary[psycopg.Connection, _ConnectionState] = weakref.WeakKeyDictionary()


def fetch_one(connection: psycopg.Connection, statement: str, params: Sequence[Any], *,
              prepare: bool = True) -> tuple | None:  # fmt: skip
    """Run `statement` (`$1`, `$2`, … placeholders) with `params` on an autocommit connection; its first row
    as a tuple, or None when it returned none."""
    if not connection.autocommit or connection.pgconn.transaction_status != pq.TransactionStatus.IDLE:
        raise psycopg.ProgrammingError("pgexec.fetch_one runs only outside a transaction (autocommit)")
    state = _state_of(connection)
    query = statement.encode(connection.info.encoding)
    values = state.transformer.dump_sequence(params, [PyFormat.TEXT] * len(params))
    if not prepare:
        return _first_row(connection, state, connection.pgconn.exec_params(query, values))
    result = _exec_prepared(connection, state, query, values)
    if _sqlstate(result) == SQLSTATE_NO_SUCH_STATEMENT:  # lost on the server: it never ran
        state.prepared.pop(query, None)
        result = _exec_prepared(connection, state, query, values)
    return _first_row(connection, state, result)


def _state_of(connection: psycopg.Connection) -> _ConnectionState:
    state = _states.get(connection)
    if state is None:
        state = _states[connection] = _ConnectionState(Transformer(connection))
    return state


def _exec_prepared(connection: psycopg.Connection, state: _ConnectionState, query: bytes,
                   values: Sequence[Any]) -> pq.abc.PGresult:  # fmt: skip
    name = state.prepared.get(query)
    if name is None:
        name = f"vp_{next(_names)}".encode()
        _check(connection, connection.pgconn.prepare(name, query))
        state.prepared[query] = name
    return connection.pgconn.exec_prepared(name, values)


def _sqlstate(result: pq.abc.PGresult) -> str | None:
    code = result.error_field(pq.DiagnosticField.SQLSTATE)
    return code.decode("ascii") if code else None


def _check(connection: psycopg.Connection, result: pq.abc.PGresult) -> None:
    if result.status not in _OK:
        raise errors.error_from_result(result, encoding=connection.info.encoding)


def _first_row(connection: psycopg.Connection, state: _ConnectionState,
               result: pq.abc.PGresult) -> tuple | None:  # fmt: skip
    _check(connection, result)
    if result.ntuples == 0:
        return None
    transformer = state.transformer
    transformer.set_pgresult(result)
    try:
        return transformer.load_row(0, tuple)
    finally:
        transformer.set_pgresult(None)
