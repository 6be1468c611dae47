"""The terminal's side of unlocking: the passphrase and recovery key typed at the prompt.

`KeyService` asks through its `KeyPrompt` port; the desktop app answers with dialogs
(`ui.dialogs.unlock_dialog`), the command line with this. It asks only when stdin is a
terminal, so a piped or scheduled run gets None and the service explains which
environment variable to set instead of waiting for input that never comes.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from typing import TextIO

from therapy_notes.domain.key_wrap import MIN_PASSPHRASE_CHARS
from therapy_notes.domain.recovery_key import RECOVERY_KEY_ENV
from therapy_notes.errors import UnlockError

NEW_PASSPHRASE_TRIES = 3


class TerminalPrompt:
    """`KeyPrompt` for the command line: asks only when stdin is a terminal."""

    def __init__(
        self,
        *,
        stdin: TextIO | None = None,
        stderr: TextIO | None = None,
        ask: Callable[[str], str] = getpass.getpass,
    ) -> None:
        self._stdin = stdin or sys.stdin
        self._stderr = stderr or sys.stderr
        self._ask = ask

    def _is_interactive(self) -> bool:
        try:
            return self._stdin.isatty()
        except (ValueError, AttributeError):
            return False

    def passphrase(self, *, is_new: bool) -> str | None:
        """The passphrase; a new one is asked again until it is long enough and repeated.

        A new one is checked here, before any key exists, so a refused passphrase never
        costs a recovery key that was already shown.
        """
        if not self._is_interactive():
            return None
        try:
            if not is_new:
                return self._ask("Therapy Notes passphrase: ")
            return self._new_passphrase()
        except EOFError:  # Ctrl-D: nobody answers
            return None

    def _new_passphrase(self) -> str:
        for _ in range(NEW_PASSPHRASE_TRIES):
            first = self._ask(
                "Choose a passphrase for the Therapy Notes database (at least "
                f"{MIN_PASSPHRASE_CHARS} characters): "
            )
            if len(first) < MIN_PASSPHRASE_CHARS:
                self._say(
                    f"That passphrase is too short: use at least {MIN_PASSPHRASE_CHARS} "
                    "characters (a few unrelated words are easy to remember and hard "
                    "to guess). Try again."
                )
                continue
            if self._ask("Type it again: ") != first:
                self._say("The two passphrases differ. Try again.")
                continue
            return first
        raise UnlockError(
            f"No passphrase was chosen in {NEW_PASSPHRASE_TRIES} tries (too short, or the two "
            "passphrases differ); no key was made and nothing was saved. Start Therapy Notes "
            "again to choose one."
        )

    def _say(self, text: str) -> None:
        self._stderr.write(text + "\n")
        self._stderr.flush()

    def recovery_key(self) -> str | None:
        if not self._is_interactive():
            return None
        return self._ask("Recovery key (printed when the data folder was set up): ")

    def show_recovery_key(self, recovery_key: str) -> None:
        self._stderr.write(
            "\nTherapy Notes made a new encryption key for its database.\n"
            "RECOVERY KEY (shown only this once; print it or store it safely, away from this "
            "computer):\n\n"
            f"    {recovery_key}\n\n"
            "It opens the database and its backups if the password store or passphrase is "
            f"lost: set {RECOVERY_KEY_ENV} to it, or type it when asked.\n\n"
        )
        self._stderr.flush()
