"""Signatures and addenda of signed notes (`SignatureRepository`): insert and read only."""

from __future__ import annotations

from sqlalchemy import select

from therapy_notes.domain.notes import Addendum, Signature, SignatureRole
from therapy_notes.storage.errors import translated
from therapy_notes.storage.orm import AddendumRow, SessionRow, SignatureRow
from therapy_notes.storage.repositories import _Repository


def _signature(row: SignatureRow) -> Signature:
    return Signature(
        session_id=row.session_id,
        role=SignatureRole(row.role),
        username=row.username,
        display_name=row.display_name,
        credentials=row.credentials,
        signed_at=row.signed_at,
        content_sha256=row.content_sha256,
        id=row.id,
    )


def _addendum(row: AddendumRow) -> Addendum:
    return Addendum(
        session_id=row.session_id,
        username=row.username,
        display_name=row.display_name,
        credentials=row.credentials,
        at=row.at,
        reason=row.reason,
        text=row.text,
        content_sha256=row.content_sha256,
        id=row.id,
    )


class SqlSignatureRepository(_Repository):
    """Signatures and addenda; there is no update and no delete."""

    @translated
    def add_signature(self, signature: Signature) -> Signature:
        self._require(SessionRow, signature.session_id, "Session")
        row = SignatureRow(
            session_id=signature.session_id,
            role=SignatureRole(signature.role).value,
            username=signature.username,
            display_name=signature.display_name,
            credentials=signature.credentials,
            signed_at=signature.signed_at,
            content_sha256=signature.content_sha256,
        )
        self._session.add(row)
        self._session.flush()
        return _signature(row)

    @translated
    def signatures_for(self, session_id: int) -> list[Signature]:
        """The session's signatures in the order they were given (the author's first)."""
        self._require(SessionRow, session_id, "Session")
        query = (
            select(SignatureRow)
            .where(SignatureRow.session_id == session_id)
            .order_by(SignatureRow.signed_at, SignatureRow.id)
        )
        return [_signature(r) for r in self._session.scalars(query)]

    @translated
    def add_addendum(self, addendum: Addendum) -> Addendum:
        self._require(SessionRow, addendum.session_id, "Session")
        row = AddendumRow(
            session_id=addendum.session_id,
            username=addendum.username,
            display_name=addendum.display_name,
            credentials=addendum.credentials,
            at=addendum.at,
            reason=addendum.reason,
            text=addendum.text,
            content_sha256=addendum.content_sha256,
        )
        self._session.add(row)
        self._session.flush()
        return _addendum(row)

    @translated
    def addenda_for(self, session_id: int) -> list[Addendum]:
        """The session's addenda, oldest first."""
        self._require(SessionRow, session_id, "Session")
        query = (
            select(AddendumRow)
            .where(AddendumRow.session_id == session_id)
            .order_by(AddendumRow.at, AddendumRow.id)
        )
        return [_addendum(r) for r in self._session.scalars(query)]
