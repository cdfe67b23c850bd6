"""The hash chain of the audit trail: how one row's hash is formed.

Each audit row carries its place in its chain (``chain_seq``), the hash of the row before it
(``prev_hash``), a digest of its ``changes`` (``changes_hash``) and its own hash
(``row_hash``). There is one chain per authority and one for rows without an authority
(system events, chain key 0). The database computes these columns as the row is inserted
(a trigger; on SQLite it calls the functions registered here on every connection), so that
recording an event costs no statement more and the application cannot choose the values.

The hash covers the row's fields in a fixed order, each written as ``<length>:<text>`` (or
``~`` for NULL) and joined by ``|``; the SHA-256 of that text, as hex, is the row hash.
``changes`` enters only through its digest: the retention purge may remove a row's old
values (``changes`` becomes NULL), and the row's hash stays what it was. PostgreSQL's
trigger (migration 0005) forms the same text in PL/pgSQL; the verification
(``services.audit_chain``) recomputes it here.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

SYSTEM_CHAIN = 0
# The fields of the hash, in order (the last one is the previous row's hash).
HASHED_FIELDS = (
    "chain_seq",
    "id",
    "at",
    "authority_id",
    "user_id",
    "action",
    "object_type",
    "object_id",
    "remote_addr",
    "changes_hash",
    "prev_hash",
)


def canonical_at(value) -> str | None:
    """A timestamp as UTC ``YYYY-MM-DDTHH:MM:SS.ffffffZ``; SQLite hands its stored naive UTC
    text to the trigger function, PostgreSQL forms the same text with ``to_char``."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _field(value) -> str:
    if value is None:
        return "~"
    text = str(value)
    return f"{len(text)}:{text}"


def sha256_hex(text: str | None) -> str | None:
    if text is None:
        return None
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def row_hash(*values) -> str:
    """The hash of a row from its ``HASHED_FIELDS`` values, in that order (the SQLite
    trigger's function takes them so)."""
    if len(values) != len(HASHED_FIELDS):
        raise TypeError(f"row_hash takes the {len(HASHED_FIELDS)} values of HASHED_FIELDS")
    at = HASHED_FIELDS.index("at")
    values = (*values[:at], canonical_at(values[at]), *values[at + 1 :])
    return sha256_hex("|".join(_field(v) for v in values))


def hash_of(row) -> str:
    """``row_hash`` of an audit row (or anything with its ``HASHED_FIELDS`` as attributes)."""
    return row_hash(*(getattr(row, name) for name in HASHED_FIELDS))


def register_sqlite_functions(dbapi_connection) -> None:
    """The functions the SQLite trigger of migration 0005 calls, on one connection."""
    dbapi_connection.create_function("lotse_sha256", 1, sha256_hex, deterministic=True)
    dbapi_connection.create_function(
        "lotse_audit_hash", len(HASHED_FIELDS), row_hash, deterministic=True
    )
