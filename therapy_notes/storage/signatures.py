"""Signatures and addenda of signed notes (`SignatureRepository`), and the signing key.

The repository only inserts and reads. `signing_key_for` gives the key signatures are made
and checked with: from the database key when the file is encrypted, else from a random
secret kept outside the database (see its docstring for what that still protects).
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from sqlalchemy import select

from therapy_notes.domain.keys import KEY_BYTES, DatabaseKey
from therapy_notes.domain.notes import Addendum, Signature, SignatureRole
from therapy_notes.domain.signing import SigningKey
from therapy_notes.errors import StorageError
from therapy_notes.file_modes import make_private_folder
from therapy_notes.storage.errors import translated
from therapy_notes.storage.orm import AddendumRow, SessionRow, SignatureRow
from therapy_notes.storage.repository import Repository

logger = logging.getLogger(__name__)

SIGNING_SECRET_SUFFIX = ".signing-secret"
"""The plain database's signing secret sits beside it: `therapy_notes.db.signing-secret`."""
CLINIC_SECRET_FILE = "clinic.signing-secret"
"""A clinic database's signing secret, in each desktop's data folder (the same file on all)."""


def signing_key_for(db_path: Path, key: DatabaseKey | None) -> SigningKey:
    """The key this database's note signatures are made and checked with.

    With a database key (the app and the command line always have one) it is derived from
    that key, which is never stored in the clear: someone who can read or edit the file
    but does not have the key can neither read the notes nor forge a signature.

    Without one (tests, tools, a plain database from before encryption) it is derived from
    32 random bytes in a separate owner-only file beside the database, created on first use.
    That still defeats whoever can change the database but not that file: a SQL tool on
    the database, a copied or restored database file, a database server (another file
    store). It does not defeat someone who can read files as the same operating-system
    user; only the database key does. Losing the file makes every signature made under it
    fail the check (they cannot be told from forgeries).

    Raises:
        StorageError: the secret file cannot be read or created.
    """
    if key is not None:
        return SigningKey.from_database_key(key)
    return SigningKey.from_secret(
        _local_secret(db_path.with_name(db_path.name + SIGNING_SECRET_SUFFIX))
    )


def clinic_signing_key(data_dir: Path, *, create: bool = False) -> SigningKey:
    """The key a clinic's shared database's signatures are made and checked with.

    A note signed on one desktop is checked on every other, so all of them need the same
    secret, and it must not live in the database (whoever can edit the database could then
    forge a signature). `therapy-notes db upgrade` makes it once (`create=True`) in the
    administrator's data folder; it is copied to the data folder of every desktop.

    Raises:
        StorageError: the secret is missing here (and not to be created) or unreadable.
    """
    path = data_dir / CLINIC_SECRET_FILE
    if not create and not path.is_file():
        raise StorageError(
            f"This computer has no clinic signing secret ({path}), so signed notes of the "
            "clinic database cannot be made or checked. Copy the file "
            f"{CLINIC_SECRET_FILE} from your administrator into that folder (owner-only), "
            'then start again (README, "Running a clinic").'
        )
    try:
        make_private_folder(path.parent)
    except OSError as exc:
        raise StorageError(
            f"The data folder {path.parent} cannot be created: {exc.strerror}."
        ) from exc
    return SigningKey.from_secret(_local_secret(path))


def _local_secret(path: Path) -> bytes:
    try:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            secret = bytes.fromhex(path.read_text("ascii").strip())
        else:
            secret = secrets.token_bytes(KEY_BYTES)
            with os.fdopen(fd, "w", encoding="ascii") as file:
                file.write(secret.hex())
                file.flush()
                os.fsync(file.fileno())
            logger.info("created a signing secret for a plain database")
    except (OSError, ValueError) as exc:
        raise StorageError(
            f"The signing secret {path} cannot be read or created, so signed notes cannot "
            "be checked. Check the file and its folder's permissions."
        ) from exc
    if len(secret) != KEY_BYTES:
        raise StorageError(f"The signing secret {path} is damaged: signed notes cannot be checked.")
    return secret


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
        mac=row.mac,
        manifest=row.manifest,
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
        previous_mac=row.previous_mac,
        mac=row.mac,
    )


class SqlSignatureRepository(Repository):
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
            mac=signature.mac,
            manifest=signature.manifest,
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
            previous_mac=addendum.previous_mac,
            mac=addendum.mac,
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
