"""`therapy-notes server` and `therapy-notes-server`: a clinic's engine and its tokens.

Both entry points share this one body, so the standalone server and the subcommand take
the same flags and refuse the same unsafe set-ups.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

from therapy_notes.cli.exit_codes import EXIT_OK
from therapy_notes.config import ENGINE_TOKEN_ENV
from therapy_notes.errors import UserFacingError


def run_server(args: argparse.Namespace) -> int:
    """Manage tokens (`--add-token`, `--revoke-token`) or serve until interrupted."""
    from therapy_notes.engine.access import TokenStore
    from therapy_notes.engine.clinic_server import serve_forever
    from therapy_notes.engine.limits import EngineLimits

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
