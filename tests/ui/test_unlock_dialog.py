"""The window's first-run passphrase dialog asks again instead of ending the app."""

from __future__ import annotations

from therapy_notes.domain.key_wrap import MIN_PASSPHRASE_CHARS
from therapy_notes.ui.dialogs.unlock_dialog import DialogKeyPrompt


class ScriptedDialogs(DialogKeyPrompt):
    """The prompt's own logic, with each input dialog answered from a list."""

    def __init__(self, answers: list[str | None]) -> None:
        super().__init__()
        self.answers = answers
        self.labels: list[str] = []

    def _ask(self, title: str, label: str, *, secret: bool = True) -> str | None:
        self.labels.append(label)
        return self.answers.pop(0)


def test_new_passphrase_dialog_names_the_minimum_and_asks_again() -> None:
    prompt = ScriptedDialogs(
        ["short", "long enough now", "long enough typo", "long enough now", "long enough now"]
    )
    assert prompt.passphrase(is_new=True) == "long enough now"
    assert prompt.answers == []
    first, after_short, _again, after_typo, _again_2 = prompt.labels
    assert f"at least {MIN_PASSPHRASE_CHARS} characters" in first
    assert after_short.startswith("That passphrase is too short")
    assert after_typo.startswith("The two passphrases differ")


def test_cancel_gives_no_passphrase() -> None:
    assert ScriptedDialogs(["short", None]).passphrase(is_new=True) is None
    assert ScriptedDialogs(["long enough now", None]).passphrase(is_new=True) is None
