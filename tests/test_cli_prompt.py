"""The terminal prompt: it asks only at a terminal, and asks again for a bad new passphrase."""

from __future__ import annotations

import io

import pytest

from therapy_notes.cli_prompt import NEW_PASSPHRASE_TRIES, TerminalPrompt
from therapy_notes.domain.key_wrap import MIN_PASSPHRASE_CHARS
from therapy_notes.errors import UnlockError


def test_terminal_prompt_asks_only_at_a_terminal() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    differing = ["first passphrase", "second passphrase"] * NEW_PASSPHRASE_TRIES
    answers = iter(["one passphrase", "one passphrase", *differing])
    err = io.StringIO()
    prompt = TerminalPrompt(stdin=Tty(), stderr=err, ask=lambda _q: next(answers))
    assert prompt.passphrase(is_new=True) == "one passphrase"
    with pytest.raises(UnlockError, match="differ"):
        prompt.passphrase(is_new=True)
    piped = TerminalPrompt(
        stdin=io.StringIO(), stderr=err, ask=lambda _q: pytest.fail("asked without a terminal")
    )
    assert piped.passphrase(is_new=False) is None
    assert piped.recovery_key() is None
    piped.show_recovery_key("AAAAA-BBBBB")
    assert "AAAAA-BBBBB" in err.getvalue()
    assert "store it safely" in err.getvalue()


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_prompt_asks_again_for_a_short_or_mistyped_new_passphrase() -> None:
    asked: list[str] = []
    answers = iter(
        ["short", "long enough now", "long enough typo", "long enough now", "long enough now"]
    )

    def ask(question: str) -> str:
        asked.append(question)
        return next(answers)

    err = io.StringIO()
    prompt = TerminalPrompt(stdin=Tty(), stderr=err, ask=ask)
    assert prompt.passphrase(is_new=True) == "long enough now"
    assert f"at least {MIN_PASSPHRASE_CHARS} characters" in asked[0]
    assert [q.split(" (")[0].rstrip(": ") for q in asked] == [
        "Choose a passphrase for the Therapy Notes database",
        "Choose a passphrase for the Therapy Notes database",
        "Type it again",
        "Choose a passphrase for the Therapy Notes database",
        "Type it again",
    ]
    told = err.getvalue()
    assert "too short" in told
    assert told.index("too short") < told.index("differ")
