"""Verifying the hash chain of the audit trail (``flask audit verify``).

Each chain (one per authority, one for rows without an authority) is walked in the order
of ``chain_seq``. A link is broken where a row's place is not the next one, its
``prev_hash`` is not the hash of the row before, its own hash does not match its content
recomputed (models/audit_chain.py), or its ``changes`` no longer match their digest. The
chain's head (``audit_chain_head``) must name the last row, so that removing rows at the
end is found as well. ``changes`` that the retention purge cleared are no break: the hash
covers their digest, which stays; such rows are counted as cleared.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Text, cast, select

from models import AuditChainHead, AuditEvent, Authority, db
from models.audit_chain import SYSTEM_CHAIN, hash_of, sha256_hex
from models.auditing import record

BATCH = 5000
# ``changes`` holds nothing (never had values, or the purge cleared them): SQL NULL, or the
# JSON ``null`` that SQLAlchemy writes for None; and the digests such a row had when written.
EMPTY_CHANGES = (None, "null")
EMPTY_DIGESTS = (None, sha256_hex("null"))


@dataclass
class Break:
    row_id: int | None
    at: datetime | None
    reason: str


@dataclass
class ChainReport:
    chain: int
    name: str
    rows: int = 0
    cleared: int = 0
    last_hash: str | None = None
    broken: Break | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None


def _chain_names() -> dict[int, str]:
    names = {SYSTEM_CHAIN: "System (ohne Behörde)"}
    for authority_id, name in db.session.execute(select(Authority.id, Authority.name)):
        names[authority_id] = name
    return names


def _rows():
    columns = (
        AuditEvent.id,
        AuditEvent.at,
        AuditEvent.authority_id,
        AuditEvent.user_id,
        AuditEvent.action,
        AuditEvent.object_type,
        AuditEvent.object_id,
        AuditEvent.remote_addr,
        cast(AuditEvent.changes, Text).label("changes"),
        AuditEvent.chain_seq,
        AuditEvent.prev_hash,
        AuditEvent.changes_hash,
        AuditEvent.row_hash,
    )
    statement = select(*columns).order_by(
        AuditEvent.authority_id, AuditEvent.chain_seq, AuditEvent.id
    )
    return db.session.execute(statement.execution_options(yield_per=BATCH))


def _problem(row, expected_seq: int, prev: str | None) -> str | None:
    if row.chain_seq != expected_seq:
        return f"Position {row.chain_seq} statt {expected_seq} (Eintrag fehlt oder ist doppelt)"
    if row.prev_hash != prev:
        return "Verweis auf den vorigen Eintrag stimmt nicht"
    recomputed = hash_of(row)
    if row.row_hash != recomputed:
        return "Inhalt verändert (Prüfsumme des Eintrags stimmt nicht)"
    if row.changes not in EMPTY_CHANGES and sha256_hex(row.changes) != row.changes_hash:
        return "Änderungsdaten verändert (Prüfsumme der Änderungen stimmt nicht)"
    return None


def verify() -> list[ChainReport]:
    """Walk every chain; each report names the first broken link, if any."""
    names = _chain_names()
    heads = {
        head.chain: (head.last_seq, head.last_hash)
        for head in db.session.scalars(select(AuditChainHead))
    }
    reports: dict[int, ChainReport] = {}
    last_row: dict[int, object] = {}
    for row in _rows():
        chain = row.authority_id if row.authority_id is not None else SYSTEM_CHAIN
        report = reports.get(chain)
        if report is None:
            report = reports[chain] = ChainReport(chain, names.get(chain, f"Behörde {chain}"))
        if report.broken is not None:
            continue
        problem = _problem(row, report.rows + 1, report.last_hash)
        if problem:
            report.broken = Break(row.id, row.at, problem)
            continue
        report.rows += 1
        report.last_hash = row.row_hash
        report.cleared += row.changes in EMPTY_CHANGES and row.changes_hash not in EMPTY_DIGESTS
        last_row[chain] = row
    for chain in heads.keys() - reports.keys():
        reports[chain] = ChainReport(chain, names.get(chain, f"Behörde {chain}"))
    for chain, report in reports.items():
        if report.broken is None and heads.get(chain, (0, None)) != (report.rows, report.last_hash):
            row = last_row.get(chain)
            report.broken = Break(
                row.id if row else None,
                row.at if row else None,
                "Kettenende stimmt nicht mit dem letzten Eintrag überein"
                " (Einträge am Ende entfernt?)",
            )
    return [reports[chain] for chain in sorted(reports)]


def record_verification(reports: list[ChainReport]) -> None:
    """The verification is a read of the whole trail, and recorded as one."""
    record(
        "read",
        "audit_event",
        None,
        {
            "kind": "audit_verify",
            "chains": len(reports),
            "broken": [report.chain for report in reports if not report.ok],
        },
    )
