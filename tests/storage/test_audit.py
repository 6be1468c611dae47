"""The audit trail round-trips in time order through a real SQLite file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from therapy_notes.domain.audit import AuditRecord
from therapy_notes.storage import SqlUnitOfWork

from .conftest import at

UowFactory = Callable[[], SqlUnitOfWork]


def test_audit_trail_round_trip_in_time_order(uow_factory: UowFactory) -> None:
    later = AuditRecord("dr.k", "update", "note_entry", 5, at(9), '{"text": "a"}', '{"text": "b"}')
    earlier = AuditRecord("dr.k", "create", "note_entry", 5, at(8), None, '{"text": "a"}')
    other = AuditRecord("dr.k", "sign", "session", 5, at(10))
    with uow_factory() as uow:
        for record in (later, earlier, other):
            uow.audit.record(record)
    with uow_factory() as uow:
        trail = uow.audit.for_entity("note_entry", 5)
    assert [replace(r, id=None) for r in trail] == [earlier, later]
    assert all(r.id is not None for r in trail)
