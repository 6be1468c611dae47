"""Command line: the composition root for `therapy-notes` and `therapy-notes-server`.

`therapy-notes transcribe FILE` streams a recording through exactly the path a live
session takes (audio -> realtime link -> engine -> services -> database), so a clinic can
batch-process dictations and CI can prove the whole path without a microphone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import json
import os
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from therapy_notes.cli_prompt import TerminalPrompt
from therapy_notes.config import (
    DATA_DIR_ENV,
    ENGINE_TOKEN_ENV,
    AppConfig,
    default_data_dir,
    default_database_url,
)
from therapy_notes.domain.database_url import (
    DATABASE_PASSWORD_ENV,
    DATABASE_URL_ENV,
    DatabaseUrlError,
    check_url,
    redact_urls_in,
    redacted,
)
from therapy_notes.domain.engine_url import (
    Credential,
    EngineCredentials,
    credential_for,
    credential_kind,
)
from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.domain.notes import EntrySource
from therapy_notes.domain.session import RecordingState
from therapy_notes.domain.usage import TokenUsage
from therapy_notes.domain.users import Role, User
from therapy_notes.errors import UserFacingError
from therapy_notes.export import ExportFormat, PaperSize
from therapy_notes.file_modes import write_private_file
from therapy_notes.logging_setup import configure_logging
from therapy_notes.realtime.links import link_factory
from therapy_notes.resource_paths import resource_path
from therapy_notes.services.database_password import database_password, store_database_password
from therapy_notes.services.keys import KeyService
from therapy_notes.services.ports import SpeakerDiarizer
from therapy_notes.services.recording import RecordingService, RecordingSettings
from therapy_notes.services.recording_events import (
    Draining,
    MeasurementRecorded,
    NoteEntryAdded,
    Notice,
    RecordingEvent,
    RiskFlagged,
    SegmentSaved,
    SessionOpened,
    SpeakersRelabelled,
    StateChanged,
)
from therapy_notes.services.templates import available_templates, load_template
from therapy_notes.system_keyring import SystemKeyring

if TYPE_CHECKING:
    from therapy_notes.domain.signing import SigningKey
    from therapy_notes.storage.database import Database

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def sample_recording() -> Path:
    """The bundled sample dictation the run command transcribes."""
    return resource_path("samples", "sample_session.wav")


def build_parser() -> argparse.ArgumentParser:
    """The `therapy-notes` parser; `--data-dir` applies to every command."""
    parser = argparse.ArgumentParser(
        prog="therapy-notes",
        description="Live transcripts and clinical notes from therapy sessions.",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help=f"folder for the database and logs (also ${DATA_DIR_ENV}; "
        "default: the platform's user data folder)",
    )
    _add_database_url(parser, None)
    parser.add_argument("--verbose", action="store_true", help="debug logging on stderr")
    parser.add_argument(
        "--sample",
        action="store_true",
        help="transcribe the bundled sample on the local engine, no window",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation end to end (no network, no window) "
        "and print one line with the verdict",
    )
    sub = parser.add_subparsers(dest="command")

    db = sub.add_parser("db", help="the database: migrate a clinic's server, keep its password")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_sub.add_parser(
        "upgrade",
        help="migrate the database to this version (run once per release on a clinic's "
        "server; makes the clinic signing secret the first time)",
    )
    _add_database_url(upgrade, argparse.SUPPRESS)
    password = db_sub.add_parser(
        "password", help="keep the clinic database password in this computer's keyring"
    )
    _add_database_url(password, argparse.SUPPRESS)

    tr = sub.add_parser("transcribe", help="stream a WAV recording through the session path")
    _add_database_url(tr, argparse.SUPPRESS)
    tr.add_argument("file", type=Path)
    tr.add_argument(
        "--engine-url",
        default=None,
        help="ws(s):// base URL ending in /v1 (default: the built-in local engine)",
    )
    tr.add_argument(
        "--api-key-env",
        default="OPENAI_API_KEY",
        help="environment variable holding the OpenAI API key (sent only to OpenAI hosts over TLS)",
    )
    tr.add_argument(
        "--engine-token-env",
        default=ENGINE_TOKEN_ENV,
        help="environment variable holding a clinic engine's token (sent to "
        "every engine that is not OpenAI)",
    )
    tr.add_argument(
        "--engine-ca",
        type=Path,
        default=None,
        help="PEM file of the certificate authority a clinic engine's wss:// "
        "certificate comes from",
    )
    tr.add_argument("--patient", type=int, default=None, help="patient id to file it under")
    tr.add_argument(
        "--template",
        default="soap",
        type=str.lower,
        choices=available_templates(),
        help="note template, in any letter case (SOAP or soap)",
    )
    tr.add_argument(
        "--realtime",
        action="store_true",
        help="pace the audio as if spoken live (default: as fast as possible)",
    )
    tr.add_argument("--json", action="store_true", help="one JSON object per line")
    tr.add_argument("--token-cap", type=int, default=None, help="per-session token cap")
    tr.add_argument(
        "--model-dir",
        type=Path,
        default=None,
        help="a CTranslate2 Whisper model folder for the local engine",
    )
    tr.add_argument(
        "--keep-audio",
        action="store_true",
        help="keep the recording in the (encrypted) database with the session",
    )

    srv = sub.add_parser("server", help="run the local engine for a whole clinic")
    _add_server_args(srv)

    bk = sub.add_parser("backup", help="write an encrypted, verified copy of the database")
    bk.add_argument("file", type=Path)
    _add_database_url(bk, argparse.SUPPRESS)
    rs = sub.add_parser("restore", help="restore a backup into a data folder with no database")
    rs.add_argument("file", type=Path)
    _add_database_url(rs, argparse.SUPPRESS)
    enc = sub.add_parser(
        "encrypt", help="encrypt a database written by a version without encryption"
    )
    _add_database_url(enc, argparse.SUPPRESS)

    ex = sub.add_parser(
        "export", help="export a session's note (a signed note's signature is checked first)"
    )
    _add_database_url(ex, argparse.SUPPRESS)
    ex.add_argument("session", type=int, help="session id")
    ex.add_argument(
        "--format",
        dest="export_format",
        default=ExportFormat.PDF.value,
        type=str.lower,
        choices=[f.value for f in ExportFormat],
        help="export format, in any letter case",
    )
    ex.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        help="file to write ('-' writes to standard output)",
    )
    ex.add_argument(
        "--paper",
        default=PaperSize.A4.value,
        type=str.lower,
        choices=[p.value for p in PaperSize],
        help="paper size, in any letter case",
    )
    ex.add_argument(
        "--transcript",
        action="store_true",
        help="append the transcript (PDF, DOCX, Markdown, FHIR)",
    )
    ex.add_argument("--clinic", default="", help="clinic name for the header")
    ex.add_argument(
        "--with-pdf", action="store_true", help="fhir: attach the PDF after the Markdown note"
    )
    return parser


def _add_database_url(parser: argparse.ArgumentParser, default: object) -> None:
    """`--database-url`, accepted before or after the command (`db upgrade --database-url`).

    The subcommands' copies default to SUPPRESS, so one given before the command is kept.
    """
    parser.add_argument(
        "--database-url",
        default=default,
        metavar="URL",
        help=f"a clinic's shared PostgreSQL database, postgresql+psycopg://USER@HOST/DB"
        f"[?sslmode=verify-full] (also ${DATABASE_URL_ENV}; the password comes from "
        f"${DATABASE_PASSWORD_ENV}, PGPASSWORD or the keyring: `db password`; default: the "
        "encrypted file in the data folder)",
    )


def _add_server_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--model-dir",
        type=Path,
        default=None,
        help="a CTranslate2 Whisper model folder (default: bundled tiny.en)",
    )
    parser.add_argument(
        "--tokens",
        type=Path,
        default=None,
        help="the tokens file (required: only clients with a token connect)",
    )
    parser.add_argument(
        "--add-token",
        metavar="NAME",
        default=None,
        help="make a token for NAME, print it once, store only its hash",
    )
    parser.add_argument(
        "--revoke-token",
        metavar="NAME",
        default=None,
        help="remove NAME's token (new connections with it are refused)",
    )
    parser.add_argument("--tls-cert", type=Path, default=None, help="PEM certificate (wss://)")
    parser.add_argument("--tls-key", type=Path, default=None, help="PEM private key")
    parser.add_argument(
        "--allow-plaintext",
        action="store_true",
        help="serve ws:// on a non-loopback host (audio crosses the network "
        "unencrypted; tokens are still required)",
    )
    parser.add_argument(
        "--max-sessions",
        type=int,
        default=None,
        help="concurrent sessions (default: twice the CPU cores)",
    )
    parser.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="a browser Origin to accept (by default every browser page is refused)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """`therapy-notes`: with no command, open the window (`--sample`: the headless demo)."""
    args = build_parser().parse_args(argv)
    data_dir = args.data_dir or default_data_dir()
    configure_logging(data_dir / "logs", verbose=args.verbose)
    try:
        database_url = args.database_url or default_database_url()
        config = AppConfig(
            data_dir=data_dir,
            database_url=check_url(database_url) if database_url else None,
        )
    except DatabaseUrlError as exc:
        sys.stderr.write(f"therapy-notes: {exc}\n")
        return EXIT_USAGE
    try:
        if args.self_test:
            from therapy_notes import selftest

            return selftest.run()
        if args.command == "server":
            return _run_server(args)
        if args.command == "db":
            return _run_db_command(args.db_command, config)
        if args.command in ("backup", "restore", "encrypt"):
            return _run_database_command(args.command, config, getattr(args, "file", None))
        if args.command == "export":
            return asyncio.run(
                export_note(
                    config,
                    args.session,
                    ExportFormat(args.export_format),
                    args.output,
                    paper=PaperSize(args.paper),
                    include_transcript=args.transcript,
                    clinic_name=args.clinic,
                    fhir_with_pdf=args.with_pdf,
                    db_key=unlock_key(config),
                )
            )
        if args.command == "transcribe":
            config = replace(
                config,
                engine_url=args.engine_url,
                api_key_env=args.api_key_env,
                engine_token_env=args.engine_token_env,
                engine_ca=args.engine_ca,
                template=args.template,
                asr_model_dir=args.model_dir,
                keep_audio=args.keep_audio,
                token_cap=args.token_cap or config.token_cap,
            )
            return asyncio.run(
                transcribe(
                    config,
                    args.file,
                    patient_id=args.patient,
                    realtime=args.realtime,
                    out=JsonLinesOutput(sys.stdout) if args.json else TextOutput(sys.stdout),
                    db_key=unlock_key(config),
                )
            )
        if args.sample:
            return asyncio.run(
                transcribe(
                    config,
                    sample_recording(),
                    patient_id=None,
                    realtime=False,
                    out=TextOutput(sys.stdout),
                    db_key=unlock_key(config),
                )
            )
        return _open_window(config)
    except UserFacingError as exc:
        sys.stderr.write(f"therapy-notes: {redact_urls_in(str(exc))}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_ERROR


def _open_window(config: AppConfig) -> int:
    """The splash first (Qt alone loads fast), then the app proper behind it."""
    from therapy_notes.ui.launch import show_splash, start_qt

    app_or_problem = start_qt()
    if isinstance(app_or_problem, str):
        sys.stderr.write(app_or_problem)
        return EXIT_ERROR
    splash = show_splash(app_or_problem, "Starting…")
    from therapy_notes.app import run_app  # over a second of imports, behind the splash

    return run_app(config, splash=splash)


def server_main(argv: Sequence[str] | None = None) -> int:
    """`therapy-notes-server --host H --port P --tokens FILE`: the engine for a clinic."""
    parser = argparse.ArgumentParser(
        prog="therapy-notes-server", description="The Therapy Notes local speech engine."
    )
    _add_server_args(parser)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    configure_logging(None, verbose=args.verbose)
    try:
        return _run_server(args)
    except UserFacingError as exc:
        sys.stderr.write(f"therapy-notes-server: {exc}\n")
        return EXIT_ERROR


# -- the database key, backup and restore ---------------------------------------------------


def key_service(config: AppConfig) -> KeyService:
    """The data folder's key source: the OS keyring, else a passphrase.

    The passphrase comes from THERAPY_NOTES_PASSPHRASE or is typed at a terminal; on the
    first run a new key is made and its recovery key goes to stderr, once.
    """
    from therapy_notes.storage.backup import opens_with
    from therapy_notes.storage.key_file import KeyFile

    return KeyService(
        config.db_path,
        key_file=KeyFile(config.db_path),
        keyring=SystemKeyring(),
        prompt=TerminalPrompt(),
        opens_database=lambda key: opens_with(config.db_path, key),
    )


def unlock_key(config: AppConfig) -> DatabaseKey | None:
    """The key `open_database` needs (raises UnlockError, a UserFacingError, if none).

    None for a clinic's shared database: the server encrypts at rest, no file is here.
    """
    if config.is_shared_database:
        return None
    return key_service(config).unlock().key


def server_password(url: str) -> str | None:
    """The clinic database's password: THERAPY_NOTES_DATABASE_PASSWORD, else the keyring."""
    return database_password(
        url, from_env=os.environ.get(DATABASE_PASSWORD_ENV), keyring=SystemKeyring()
    )


def open_store(config: AppConfig, db_key: DatabaseKey | None) -> Database:
    """The configured database: the clinic's PostgreSQL server, or the file in the data folder.

    Blocking: call it through `asyncio.to_thread`.
    """
    from therapy_notes.storage.database import open_database, open_url

    if config.database_url is not None and config.is_shared_database:
        return open_url(config.database_url, password=server_password(config.database_url))
    return open_database(config.db_path, db_key)


def signing_key(config: AppConfig, db_key: DatabaseKey | None) -> SigningKey:
    """What signatures are keyed by: the clinic's shared secret, or this folder's key."""
    from therapy_notes.storage.signatures import clinic_signing_key, signing_key_for

    if config.is_shared_database:
        return clinic_signing_key(config.data_dir)
    return signing_key_for(config.db_path, db_key)


def _run_db_command(command: str, config: AppConfig) -> int:
    """`db upgrade` (migrate; the clinic signing secret) and `db password` (keyring)."""
    from therapy_notes.storage.database import open_database, upgrade_server
    from therapy_notes.storage.signatures import CLINIC_SECRET_FILE, clinic_signing_key

    url = config.database_url
    if command == "password":
        if url is None or not config.is_shared_database:
            raise UserFacingError(
                "`db password` is for a clinic's PostgreSQL database: give its "
                f"--database-url (or set {DATABASE_URL_ENV})."
            )
        typed = getpass.getpass(f"Password for {redacted(url)}: ")
        if not typed:
            raise UserFacingError("No password was typed; nothing was stored.")
        name = store_database_password(url, typed, keyring=SystemKeyring())
        sys.stderr.write(f"The password is in this computer's keyring ({name}).\n")
        return EXIT_OK
    if url is None or not config.is_shared_database:
        open_database(config.db_path, unlock_key(config)).close()  # upgrades the file
        sys.stderr.write(f"The database {config.db_path} is up to date.\n")
        return EXIT_OK
    before, after = upgrade_server(url, password=server_password(url))
    secret = config.data_dir / CLINIC_SECRET_FILE
    had_secret = secret.is_file()
    clinic_signing_key(config.data_dir, create=True)
    if before == after:
        sys.stderr.write(f"The clinic database is already at revision {after}.\n")
    else:
        sys.stderr.write(
            f"The clinic database was upgraded from {before or 'empty'} to revision {after}.\n"
        )
    if not had_secret:
        sys.stderr.write(
            f"Made the clinic signing secret {secret}. Copy it into the data folder of every "
            "desktop that uses this database (owner-only); without it a desktop cannot sign "
            "or check signed notes.\n"
        )
    return EXIT_OK


def _run_database_command(command: str, config: AppConfig, file: Path | None) -> int:
    from therapy_notes.storage.backup import backup_database, opens_with, restore_database
    from therapy_notes.storage.database import open_database

    if config.is_shared_database:
        raise UserFacingError(
            f"`{command}` works on this computer's database file; the clinic's database "
            "lives on its PostgreSQL server, which encrypts it at rest. Back it up there "
            'with pg_dump (README, "Running a clinic").'
        )
    service = key_service(config)
    if command == "restore" and file is not None:
        keys = service.keys_for_restore(lambda key: opens_with(file, key))
        report = restore_database(file, keys.backup_key, config.db_path, keys.folder_key)
        if keys.needs_setup:
            service.set_up(keys.folder_key)
        open_database(config.db_path, keys.folder_key).close()  # newer schema if need be
        sys.stderr.write(
            f"Restored {report.rows} rows in {report.tables} tables into {config.db_path}.\n"
        )
        return EXIT_OK
    if command == "backup" and not config.db_path.is_file():
        raise UserFacingError(f"There is no database at {config.db_path} to back up.")
    key = service.unlock().key
    open_database(config.db_path, key).close()  # encrypts a plain database in place
    if command == "backup" and file is not None:
        report = backup_database(config.db_path, key, file)
        sys.stderr.write(
            f"Backup of {report.rows} rows in {report.tables} tables written to "
            f"{file}; it opens with this data folder's key or its recovery "
            "key.\n"
        )
    else:
        sys.stderr.write(f"The database {config.db_path} is encrypted.\n")
    return EXIT_OK


def _run_server(args: argparse.Namespace) -> int:
    """Manage tokens (`--add-token`, `--revoke-token`) or serve until interrupted."""
    from therapy_notes.engine.access import TokenStore
    from therapy_notes.engine.server import EngineLimits, serve_forever

    if args.tokens is None:
        raise UserFacingError(
            "Pass --tokens FILE: the engine serves only clients with a token. Make one with "
            "--add-token NAME --tokens FILE."
        )
    store = TokenStore(args.tokens)
    if args.add_token is not None:
        token = store.add(args.add_token)
        sys.stderr.write(
            f"Token for {args.add_token!r} (shown only now; the file keeps its "
            f"hash). Give it to that client as {ENGINE_TOKEN_ENV}:\n"
        )
        sys.stdout.write(token + "\n")
        sys.stdout.flush()
        return EXIT_OK
    if args.revoke_token is not None:
        if not store.revoke(args.revoke_token):
            raise UserFacingError(
                f"There is no token named {args.revoke_token!r} in {args.tokens}."
            )
        sys.stderr.write(
            f"Revoked the token {args.revoke_token!r}; new connections with it are refused.\n"
        )
        return EXIT_OK
    if args.max_sessions is not None and args.max_sessions < 1:
        raise UserFacingError("--max-sessions must be at least 1.")
    limits = EngineLimits(max_sessions=args.max_sessions) if args.max_sessions else EngineLimits()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            serve_forever(
                args.host,
                args.port,
                args.model_dir,
                tokens=args.tokens,
                tls_cert=args.tls_cert,
                tls_key=args.tls_key,
                allow_plaintext=args.allow_plaintext,
                allowed_origins=args.allow_origin,
                limits=limits,
            )
        )
    return EXIT_OK


# -- export -------------------------------------------------------------------------------


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
    database = await asyncio.to_thread(open_store, config, db_key)
    try:
        key = await asyncio.to_thread(signing_key, config, db_key)
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


# -- transcribe ---------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def engine_url_for(config: AppConfig) -> AsyncIterator[tuple[str, str, str]]:
    """(websocket base URL, credential, engine name): the configured one, or a local engine.

    The credential follows `domain.engine_url`: the OpenAI key only for OpenAI's hosts, the
    engine token for every other URL.
    """
    if config.engine_url is not None:
        url = config.engine_url
        credentials = EngineCredentials(
            openai_key=os.environ.get(config.api_key_env) or None,
            engine_token=os.environ.get(config.engine_token_env) or None,
        )
        if credential_kind(url) is Credential.OPENAI_KEY and not credentials.openai_key:
            raise UserFacingError(
                f"No API key: set the environment variable {config.api_key_env} to your "
                "OpenAI API key, or leave out --engine-url to use the local engine."
            )
        if credential_kind(url) is Credential.ENGINE_TOKEN and not credentials.engine_token:
            sys.stderr.write(
                f"therapy-notes: note: {config.engine_token_env} is not set, so no token is "
                "sent to the engine; a clinic engine will refuse the connection.\n"
            )
        yield url, credential_for(url, credentials), "local" if config.is_local else "cloud"
        return
    from therapy_notes.engine.background import BackgroundEngine

    async with BackgroundEngine(model_dir=config.asr_model_dir) as engine:
        yield engine.url, engine.token, "local"


async def transcribe(
    config: AppConfig,
    file: Path,
    *,
    patient_id: int | None,
    realtime: bool,
    out: SessionOutput,
    db_key: DatabaseKey | None = None,
) -> int:
    """Stream `file` through a session, store it, print what it produced.

    `db_key` encrypts the database (the command line always passes it); None is for tests.
    """
    from therapy_notes.audio.wav_reader import read_wav_info
    from therapy_notes.audio.wav_source import WavSource
    from therapy_notes.storage.profile_cache import ProfileCache

    load_template(config.template)
    source = WavSource(file, realtime=realtime)
    for warning in read_wav_info(file).warnings:
        out.warning(warning)
    database = await asyncio.to_thread(open_store, config, db_key)
    try:
        profiles = ProfileCache(database.uow_factory)
        async with engine_url_for(config) as (url, key, engine_name):
            service = RecordingService(
                uow_factory=database.uow_factory,
                link_factory=link_factory(
                    url, key, is_cloud=engine_name == "cloud", ca_file=config.engine_ca
                ),
                settings=RecordingSettings(
                    model=config.model,
                    engine_name=engine_name,
                    reasoning_effort=config.reasoning_effort,
                    max_output_tokens=config.max_output_tokens,
                    token_cap=config.token_cap,
                    prices=config.prices,
                    vad_silence_ms=config.vad_silence_ms,
                    entry_source=EntrySource.MODEL
                    if engine_name == "cloud"
                    else EntrySource.LOCAL_COMPOSER,
                    keep_audio=config.keep_audio,
                    pace_to_engine=not realtime,
                ),
                profiles=profiles.get,
                diarizer=await _diarizer(out),
            )
            service.add_listener(out.on_event)
            await service.start(source, patient_id=patient_id, template=config.template)
            await service.wait_for_audio_end()
            await service.stop()
            session_id = service.session_id
            if session_id is not None:
                note = await asyncio.to_thread(_load_note, database.uow_factory, session_id)
                budget = service.budget()  # the whole session: note updates and transcript
                out.summary(note, budget.used + budget.transcription, budget.cost_usd)
            if service.failure is not None:
                raise service.failure
    finally:
        await asyncio.to_thread(database.close)
    return EXIT_OK


def _load_note(uow_factory: Callable[[], Any], session_id: int) -> Any:
    with uow_factory() as uow:
        return uow.notes.load(session_id)


# -- output -------------------------------------------------------------------------------


class SessionOutput:
    """Where a transcribe run reports: events as they happen, then a summary."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> None:
        self._stream.write(text + "\n")
        self._stream.flush()

    def on_event(self, event: RecordingEvent) -> None:
        raise NotImplementedError

    def warning(self, message: str) -> None:
        """Something the user should check, e.g. a recording whose header was not trusted.

        It goes to stderr, so a script that reads stdout still sees it in its log.
        """
        sys.stderr.write(f"therapy-notes: warning: {message}\n")
        sys.stderr.flush()

    def progress(self, turns_left: int) -> None:
        """On stderr: the end of the file is still being transcribed (a busy machine)."""
        sys.stderr.write(
            f"therapy-notes: transcribing the end of the file, {turns_left} turn(s) left...\n"
        )
        sys.stderr.flush()

    def summary(self, note: Any, usage: TokenUsage, cost_usd: float) -> None:
        raise NotImplementedError


async def _diarizer(out: SessionOutput) -> SpeakerDiarizer | None:
    """A diarizer for one session; without the speaker model, segments stay unlabelled."""
    from therapy_notes.speakers.diarizer import OnlineDiarizer
    from therapy_notes.speakers.encoder import SpeakerEncoder

    try:
        encoder = await asyncio.to_thread(SpeakerEncoder)
    except UserFacingError as exc:
        out.warning(f"{exc} Segments are stored without speaker labels.")
        return None
    return OnlineDiarizer(encoder)


def _clock(ms: int) -> str:
    return f"{ms // 60000:02d}:{ms % 60000 / 1000:04.1f}"


class TextOutput(SessionOutput):
    """For a person: segments as they finalise, then the note and the cost."""

    def on_event(self, event: RecordingEvent) -> None:
        if isinstance(event, Draining):
            self.progress(event.turns_left)
        elif isinstance(event, SegmentSaved):
            s = event.segment
            self.write(f"[{_clock(s.start_ms)}-{_clock(s.end_ms)}] {s.speaker.label}: {s.text}")
        elif isinstance(event, SessionOpened):
            self.write(f"Session {event.session_id}")
        elif isinstance(event, RiskFlagged):
            self.write(f"!! Risk flagged: {event.risk.kind.value}: {event.risk.evidence}")
        elif isinstance(event, Notice):
            self.write(("Error: " if event.is_error else "Note: ") + event.message)
        elif (
            isinstance(event, StateChanged)
            and event.message
            and event.state in (RecordingState.RECONNECTING, RecordingState.FAILED)
        ):
            self.write(f"({event.state.value}) {event.message}")

    def summary(self, note: Any, usage: TokenUsage, cost_usd: float) -> None:
        template = load_template(note.template)
        self.write("")
        self.write(f"{template.title} note")
        for section in template.sections:
            entries = note.entries_in(section.key)
            self.write(f"  {section.title}:")
            for entry in entries:
                self.write(f"    - {entry.text}")
            if not entries:
                self.write("    (nothing yet)")
        for m in note.measurements:
            where = m.location
            self.write(f"  Measurement: {m.kind} {m.value:g} {m.unit} {where}".rstrip())
        self.write(
            f"Usage: {usage.input_tokens} input + {usage.output_tokens} output tokens, "
            f"${cost_usd:.4f} at cloud prices"
        )


class JsonLinesOutput(SessionOutput):
    """For programs: one JSON object per line, each with a `type` (see the README)."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self._pending_warnings: list[str] = []

    def emit(self, obj: dict[str, Any]) -> None:
        self.write(json.dumps(obj, ensure_ascii=False))

    def warning(self, message: str) -> None:
        """On stderr now, and as a `warning` line right after `session` (which stays first)."""
        super().warning(message)
        self._pending_warnings.append(message)

    def on_event(self, event: RecordingEvent) -> None:
        if isinstance(event, Draining):
            self.progress(event.turns_left)
        elif isinstance(event, SessionOpened):
            self.emit({"type": "session", "id": event.session_id})
            for message in self._pending_warnings:
                self.emit({"type": "warning", "message": message})
            self._pending_warnings.clear()
        elif isinstance(event, SegmentSaved):
            s = event.segment
            self.emit(
                {
                    "type": "segment",
                    "id": s.id,
                    "item_id": s.item_id,
                    "start": s.start_ms / 1000,
                    "end": s.end_ms / 1000,
                    "speaker": s.speaker.value,
                    "text": s.text,
                }
            )
        elif isinstance(event, SpeakersRelabelled):
            for s in event.segments:
                self.emit({"type": "segment_speaker", "id": s.id, "speaker": s.speaker.value})
        elif isinstance(event, NoteEntryAdded):
            e = event.entry
            self.emit(
                {
                    "type": "note_entry",
                    "id": e.id,
                    "section": e.section,
                    "text": e.text,
                    "source": e.source.value,
                    "segment_ids": list(e.segment_ids),
                }
            )
        elif isinstance(event, MeasurementRecorded):
            m = event.measurement
            self.emit(
                {
                    "type": "measurement",
                    "id": m.id,
                    "kind": m.kind,
                    "value": m.value,
                    "unit": m.unit,
                    "body_part": m.body_part,
                    "side": m.side,
                    "segment_ids": list(m.segment_ids),
                }
            )
        elif isinstance(event, RiskFlagged):
            r = event.risk
            self.emit(
                {
                    "type": "risk",
                    "id": r.id,
                    "kind": r.kind.value,
                    "evidence": r.evidence,
                    "segment_ids": list(r.segment_ids),
                }
            )
        elif (isinstance(event, Notice) and event.is_error) or (
            isinstance(event, StateChanged) and event.state is RecordingState.FAILED
        ):
            self.emit({"type": "error", "message": event.message})

    def summary(self, note: Any, usage: TokenUsage, cost_usd: float) -> None:
        self.emit(
            {
                "type": "usage",
                "input_tokens": usage.input_tokens,
                "output_tokens": usage.output_tokens,
                "total_tokens": usage.total_tokens,
                "input_audio_tokens": usage.input_audio_tokens,
                "input_text_tokens": usage.input_text_tokens,
                "cached_tokens": usage.cached_text_tokens + usage.cached_audio_tokens,
                "cost_usd": round(cost_usd, 6),
            }
        )


if __name__ == "__main__":
    sys.exit(main())
