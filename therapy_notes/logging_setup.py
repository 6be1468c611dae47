"""Logging for a program that handles protected health information.

Modules log ids, sizes, durations and states, never content. The redaction filter is the
safety net for the day someone forgets: it masks API keys and anything registered as
sensitive (the words of a live transcript, patient names) before a record is written.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
import threading
from io import TextIOWrapper
from pathlib import Path

from therapy_notes.domain.database_url import redact_urls_in
from therapy_notes.file_modes import PRIVATE_FILE_MODE, make_private, make_private_folder

_KEY_PATTERN = re.compile(r"\b(sk|ek|rk)-[A-Za-z0-9_\-]{8,}")
_BEARER_PATTERN = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9_\-.]{8,}")
REDACTED = "[redacted]"
_OURS = "_therapy_notes_handler"


class RedactingFilter(logging.Filter):
    """Masks secrets and registered sensitive phrases in every record it passes."""

    def __init__(self) -> None:
        super().__init__()
        self._phrases: set[str] = set()
        self._lock = threading.Lock()

    def add_sensitive(self, text: str) -> None:
        """Register words that must never reach a log (a patient's name, transcript text)."""
        words = {w for w in re.findall(r"[A-Za-z][A-Za-z'\-]{3,}", text)}
        with self._lock:
            self._phrases |= {w.lower() for w in words}

    def redact(self, message: str) -> str:
        message = redact_urls_in(message)  # a database URL's password, if one was typed in it
        message = _KEY_PATTERN.sub(REDACTED, message)
        message = _BEARER_PATTERN.sub(r"\1" + REDACTED, message)
        with self._lock:
            phrases = tuple(self._phrases)
        if phrases:
            pattern = re.compile(
                r"\b(" + "|".join(re.escape(p) for p in phrases) + r")\b", re.IGNORECASE
            )
            message = pattern.sub(REDACTED, message)
        return message

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
        return True


REDACTION = RedactingFilter()


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose every file (the current one and each new one) is 0600.

    Logs name session ids and states, never content, but they are still the clinician's
    business: no other account on the computer should read them, whatever the umask.
    """

    def _open(self) -> TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE_MODE)
        make_private(Path(self.baseFilename))
        return open(fd, "a", encoding=self.encoding, errors=self.errors)


def configure_logging(log_dir: Path | None, *, verbose: bool = False) -> None:
    """A rotating file under `log_dir` (if given) plus warnings on stderr, both redacted."""
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for old in [h for h in root.handlers if getattr(h, _OURS, False)]:
        root.removeHandler(old)
        old.close()
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    stderr = logging.StreamHandler()
    stderr.setLevel(logging.DEBUG if verbose else logging.WARNING)
    handlers: list[logging.Handler] = [stderr]
    if log_dir is not None:
        make_private_folder(log_dir)
        for old_log in log_dir.glob("therapy_notes.log*"):  # written by an older version
            make_private(old_log)
        handlers.append(
            PrivateRotatingFileHandler(
                log_dir / "therapy_notes.log", maxBytes=2_000_000, backupCount=5, encoding="utf-8"
            )
        )
    for handler in handlers:
        setattr(handler, _OURS, True)
        handler.setFormatter(formatter)
        handler.addFilter(REDACTION)
        root.addHandler(handler)
    for noisy in ("websockets", "httpx", "openai", "faster_whisper"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
