"""The export view of a note: the one document every export format is rendered from.

Export is a use case of its own because it is where a note leaves the app: a signed note
is handed out only if it still verifies (a failed check is audited and nothing is
exported), and every export is audited with its format, whether the transcript went with
it and whether the note was signed. Turning the document into PDF, DOCX, FHIR, Markdown or
text bytes is the export adapters' job (`therapy_notes.export`), done by the caller, since
the window lays a PDF out on Qt's thread.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, tzinfo

from therapy_notes.domain.document import NoteDocument, build_document
from therapy_notes.domain.note_review import SignatureState
from therapy_notes.domain.users import Role, User
from therapy_notes.services.note_access import NoteAccess
from therapy_notes.services.ports import NotesUnitOfWork
from therapy_notes.services.verification import Refused, mismatch_error


def _local_tz() -> tzinfo:
    return datetime.now(UTC).astimezone().tzinfo or UTC


class NoteExportService:
    """Build a note's export view, checked and audited. Asyncio, Qt-free.

    Args:
        access: units of work, audit records and the checked load.
        tz: the time zone documents print times in (default: this computer's).
    """

    def __init__(self, access: NoteAccess, *, tz: tzinfo | None = None) -> None:
        self._access = access
        self._tz = tz or _local_tz()

    async def export_document(
        self,
        actor: User,
        session_id: int,
        *,
        export_format: str,
        clinic_name: str = "",
        include_transcript: bool = False,
    ) -> NoteDocument:
        """The export view of a note, after checking its signatures; the export is audited.

        Raises:
            SignatureMismatchError: a signed note no longer matches its signature (audited);
                nothing is exported.
        """
        access = self._access

        def work(uow: NotesUnitOfWork) -> NoteDocument | Refused:
            review = access.load(uow, actor, session_id, f"export:{export_format}")
            if review.signature_state is SignatureState.MISMATCH:
                return Refused(review.findings)  # after commit, so the mismatch stays audited
            access.audit(
                uow,
                actor,
                "exported",
                session_id,
                after=json.dumps(
                    {
                        "format": export_format,
                        "transcript": include_transcript,
                        "signed": review.is_locked,
                    }
                ),
            )
            return build_document(
                note=review.note,
                template=review.template,
                session=review.session,
                patient=review.patient,
                signatures=review.signatures,
                addenda=review.addenda,
                transcript=review.segments if include_transcript else None,
                clinic_name=clinic_name,
                clinician=actor.signature_name if actor.role is not Role.ADMIN else "",
                tz=self._tz,
            )

        document = await access.run(work)
        if isinstance(document, Refused):
            raise mismatch_error(session_id, "exported", document.findings)
        return document
