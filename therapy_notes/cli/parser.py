"""The `therapy-notes` argument parser, apart from what each command does.

It lives on its own so that `--help` and the flags can be read (and changed) in one place,
and so that building it imports only what the choices need: the templates, the export
formats and the paper sizes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from therapy_notes.config import DATA_DIR_ENV, ENGINE_TOKEN_ENV
from therapy_notes.domain.database_url import DATABASE_PASSWORD_ENV, DATABASE_URL_ENV
from therapy_notes.domain.export_formats import ExportFormat, PaperSize
from therapy_notes.services.templates import available_templates


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
    add_server_args(srv)

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


def add_server_args(parser: argparse.ArgumentParser) -> None:
    """The engine's flags, shared by `therapy-notes server` and `therapy-notes-server`."""
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
