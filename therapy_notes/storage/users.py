"""Local user accounts (`UserRepository`): the password hash stays inside storage and users."""

from __future__ import annotations

import builtins

from sqlalchemy import select

from therapy_notes.domain.users import Role, User, VoicePrint
from therapy_notes.errors import NotFoundError, UserFacingError
from therapy_notes.storage.errors import translated
from therapy_notes.storage.orm import UserRow, VoicePrintRow
from therapy_notes.storage.repository import Repository


def _user(row: UserRow) -> User:
    return User(
        username=row.username,
        display_name=row.display_name,
        role=Role(row.role),
        credentials=row.credentials,
        id=row.id,
    )


class SqlUserRepository(Repository):
    """Accounts by user name (`UserRepository`)."""

    def _row(self, username: str) -> UserRow | None:
        return self._session.scalars(select(UserRow).where(UserRow.username == username)).first()

    @translated
    def add(self, user: User, password_hash: str) -> User:
        if self._row(user.username) is not None:
            raise UserFacingError(
                f"There is already a user called {user.username!r}. Choose another user name."
            )
        row = UserRow(
            username=user.username,
            display_name=user.display_name,
            credentials=user.credentials,
            role=Role(user.role).value,
            password_hash=password_hash,
        )
        self._session.add(row)
        self._session.flush()
        return _user(row)

    @translated
    def get(self, username: str) -> User:
        row = self._row(username)
        if row is None:
            raise NotFoundError(f"There is no user called {username!r}.")
        return _user(row)

    @translated
    def password_hash(self, username: str) -> str | None:
        """The stored hash, or None for an unknown user name."""
        row = self._row(username)
        return row.password_hash if row is not None else None

    @translated
    def set_password_hash(self, username: str, password_hash: str) -> None:
        row = self._row(username)
        if row is None:
            raise NotFoundError(f"There is no user called {username!r}.")
        row.password_hash = password_hash
        self._session.flush()

    @translated
    def list(self) -> builtins.list[User]:
        """Every account, by user name."""
        return [_user(r) for r in self._session.scalars(select(UserRow).order_by(UserRow.username))]

    @translated
    def voice_print(self, username: str) -> VoicePrint | None:
        """The user's enrolled voice, or None if they have not enrolled."""
        row = self._voice_row(self._existing(username))
        if row is None:
            return None
        return VoicePrint(row.voice_print, row.speech_seconds, row.enrolled_at)

    @translated
    def set_voice_print(self, username: str, voice: VoicePrint | None) -> None:
        """Store (replace) the user's voice, or forget it with None."""
        user = self._existing(username)
        row = self._voice_row(user)
        if voice is None:
            if row is not None:
                self._session.delete(row)
        elif row is None:
            self._session.add(
                VoicePrintRow(
                    user_id=user.id,
                    voice_print=voice.data,
                    speech_seconds=voice.speech_seconds,
                    enrolled_at=voice.enrolled_at,
                )
            )
        else:
            row.voice_print = voice.data
            row.speech_seconds = voice.speech_seconds
            row.enrolled_at = voice.enrolled_at
        self._session.flush()

    def _existing(self, username: str) -> UserRow:
        row = self._row(username)
        if row is None:
            raise NotFoundError(f"There is no user called {username!r}.")
        return row

    def _voice_row(self, user: UserRow) -> VoicePrintRow | None:
        return self._session.get(VoicePrintRow, user.id)
