"""Command line: the composition root for `therapy-notes` and `therapy-notes-server`.

This module only dispatches: it reads the arguments (`parser`), sets up logging and the
configuration, and hands over to the module of the command asked for. Each command group
lives in its own module: `transcribing` (transcribe, --sample) with `session_output`,
`export_command`, `database_commands` (db, backup, restore, encrypt), `server_command`,
and `database_access` (the key and the store they share). With no command it opens the
window, showing the splash before the app proper is imported.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from dataclasses import replace

from therapy_notes.cli.database_access import key_service, unlock_key
from therapy_notes.cli.database_commands import run_database_command, run_db_command
from therapy_notes.cli.exit_codes import EXIT_ERROR, EXIT_OK, EXIT_USAGE
from therapy_notes.cli.export_command import cli_actor, export_note
from therapy_notes.cli.parser import add_server_args, build_parser
from therapy_notes.cli.server_command import run_server
from therapy_notes.cli.session_output import JsonLinesOutput, SessionOutput, TextOutput
from therapy_notes.cli.transcribing import engine_url_for, sample_recording, transcribe
from therapy_notes.config import AppConfig, default_data_dir, default_database_url
from therapy_notes.domain.database_url import DatabaseUrlError, check_url, redact_urls_in
from therapy_notes.domain.export_formats import ExportFormat, PaperSize
from therapy_notes.errors import UserFacingError
from therapy_notes.logging_setup import configure_logging

__all__ = [
    "EXIT_ERROR",
    "EXIT_OK",
    "EXIT_USAGE",
    "JsonLinesOutput",
    "SessionOutput",
    "TextOutput",
    "build_parser",
    "cli_actor",
    "engine_url_for",
    "export_note",
    "key_service",
    "main",
    "sample_recording",
    "server_main",
    "transcribe",
    "unlock_key",
]


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
            return run_server(args)
        if args.command == "db":
            return run_db_command(args.db_command, config)
        if args.command in ("backup", "restore", "encrypt"):
            return run_database_command(args.command, config, getattr(args, "file", None))
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
    from therapy_notes.desktop import run_app  # over a second of imports, behind the splash

    return run_app(config, splash=splash)


def server_main(argv: Sequence[str] | None = None) -> int:
    """`therapy-notes-server --host H --port P --tokens FILE`: the engine for a clinic."""
    parser = argparse.ArgumentParser(
        prog="therapy-notes-server", description="The Therapy Notes local speech engine."
    )
    add_server_args(parser)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    configure_logging(None, verbose=args.verbose)
    try:
        return run_server(args)
    except UserFacingError as exc:
        sys.stderr.write(f"therapy-notes-server: {exc}\n")
        return EXIT_ERROR
