"""`therapy-notes export`: one session's note to a file, after its signature is checked.

PHI leaves the app here, so the file is written owner-only and the audit trail names the
operating-system user.
"""

from __future__ import annotations

import asyncio
import getpass
import sys
from pathlib import Path

from therapy_notes.bootstrap import configured_signing_key, open_configured_database
from therapy_notes.cli.exit_codes import EXIT_OK
from therapy_notes.config import AppConfig
from therapy_notes.domain.export_formats import ExportFormat, PaperSize
from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.domain.users import Role, User
from therapy_notes.errors import UserFacingError
from therapy_notes.file_modes import write_private_file


def cli_actor() -> User:
    """Who the audit trail names for a command-line export: the operating-system user.

    The command line has no sign-in, so it acts with no right to change or sign a note.
    """
    try:
        name = getpass.getuser()
    except (OSError, KeyError):
        name = "unknown"
    return User(f"cli:{name}", name, Role.ADMIN)


async def export_note(
    config: AppConfig,
    session_id: int,
    export_format: ExportFormat,
    output: Path,
    *,
    paper: PaperSize = PaperSize.A4,
    include_transcript: bool = False,
    clinic_name: str = "",
    fhir_with_pdf: bool = False,
    db_key: DatabaseKey | None = None,
) -> int:
    """Write one session's note in `export_format`; refuse a note whose signature fails."""
    from therapy_notes.export.render import render
    from therapy_notes.services.notes import NotesService

    if not config.is_shared_database and not config.db_path.is_file():
        raise UserFacingError(
            f"There is no database at {config.db_path}: nothing to export. Check --data-dir."
        )
    database = await asyncio.to_thread(open_configured_database, config, db_key)
    try:
        key = await asyncio.to_thread(configured_signing_key, config, db_key)
        service = NotesService(database.uow_factory, signing_key=key)
        document = await service.export_document(
            cli_actor(),
            session_id,
            export_format=export_format.value,
            clinic_name=clinic_name,
            include_transcript=include_transcript,
        )
    finally:
        await asyncio.to_thread(database.close)
    data = render(document, export_format, paper=paper, fhir_with_pdf=fhir_with_pdf)
    if str(output) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return EXIT_OK
    try:
        await asyncio.to_thread(write_private_file, output, data)  # 0600: PHI leaves the app
    except OSError as exc:
        raise UserFacingError(
            f"Could not write {output}: {exc.strerror or exc}. Choose another file or folder."
        ) from exc
    sys.stderr.write(f"Exported session {session_id} as {export_format.value} to {output}.\n")
    return EXIT_OK
