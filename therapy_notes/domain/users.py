"""Local user accounts and the roles that decide who may edit, sign and co-sign a note."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    """What a user may do with notes.

    A clinician writes and signs; a reviewer edits drafts and co-signs signed notes; an
    admin manages accounts but never changes or signs clinical content.
    """

    CLINICIAN = "clinician"
    REVIEWER = "reviewer"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class User:
    """A local account, without its password hash (which never leaves storage and users)."""

    username: str
    display_name: str
    role: Role
    credentials: str = ""
    """Professional credentials printed after the name, e.g. "OTR/L" or "PT, DPT"."""
    id: int | None = None

    @property
    def signature_name(self) -> str:
        """The name as it appears under a signature: "Ana Ruiz, OTR/L"."""
        return f"{self.display_name}, {self.credentials}" if self.credentials else self.display_name


@dataclass(frozen=True, slots=True)
class VoicePrint:
    """A clinician's enrolled voice: which voice of a session is theirs.

    `data` is what the speaker encoder made of the enrollment recording (opaque here);
    `speech_seconds` is how much of that recording was speech, shown to the user so they
    know whether to enroll again with a longer reading.
    """

    data: bytes
    speech_seconds: float
    enrolled_at: datetime
