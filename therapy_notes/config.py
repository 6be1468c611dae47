"""Frozen settings: where data lives, which engine to use, budget and prices.

Built once by the composition root (command line or app) and passed down; nothing reads the
environment or the platform folders anywhere else.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_data_dir

from therapy_notes.domain import defaults
from therapy_notes.domain.database_url import DATABASE_URL_ENV, is_server_url
from therapy_notes.domain.engine_url import is_loopback_endpoint
from therapy_notes.domain.usage import Prices

APP_NAME = "TherapyNotes"
DATA_DIR_ENV = "THERAPY_NOTES_DATA_DIR"
CLOUD_URL = "wss://api.openai.com/v1"
ENGINE_TOKEN_ENV = "THERAPY_NOTES_ENGINE_TOKEN"


def default_data_dir() -> Path:
    """`THERAPY_NOTES_DATA_DIR`, else the platform's user data folder."""
    from_env = os.environ.get(DATA_DIR_ENV)
    return Path(from_env) if from_env else Path(user_data_dir(APP_NAME, appauthor=False))


def default_database_url() -> str | None:
    """`THERAPY_NOTES_DATABASE_URL`, else None (the SQLite file in the data folder)."""
    return os.environ.get(DATABASE_URL_ENV, "").strip() or None


@dataclass(frozen=True, slots=True)
class AppConfig:
    """Everything a session needs to know about its environment."""

    data_dir: Path = field(default_factory=default_data_dir)
    engine_url: str | None = None
    """None runs the local engine in-process; otherwise a ws(s):// base URL ending in /v1."""
    api_key_env: str = "OPENAI_API_KEY"
    """Where the OpenAI key is read; it is sent to OpenAI hosts only (domain.engine_url)."""
    engine_token_env: str = ENGINE_TOKEN_ENV
    """Where a clinic engine's token is read; sent to every engine that is not OpenAI."""
    engine_ca: Path | None = None
    """A PEM file of certificate authorities to trust for a clinic engine's wss:// URL."""
    model: str = defaults.CLOUD_MODEL
    reasoning_effort: str = defaults.REASONING_EFFORT
    max_output_tokens: int = defaults.MAX_OUTPUT_TOKENS
    token_cap: int = defaults.TOKEN_CAP
    prices: Prices = field(default_factory=Prices)
    template: str = defaults.TEMPLATE
    asr_model_dir: Path | None = None
    """A CTranslate2 Whisper model folder; None uses the bundled tiny.en."""
    vad_silence_ms: int = defaults.VAD_SILENCE_MS
    keep_audio: bool = False
    database_url: str | None = None
    """A clinic's PostgreSQL URL (`postgresql+psycopg://...`); None keeps the local file.
    It never holds the password in practice: that comes from the environment or keyring."""

    def __post_init__(self) -> None:
        if self.reasoning_effort not in defaults.REASONING_EFFORTS:
            efforts = ", ".join(defaults.REASONING_EFFORTS)
            raise ValueError(f"reasoning effort must be one of {efforts}")
        if self.token_cap <= 0 or self.max_output_tokens <= 0:
            raise ValueError("token cap and max output tokens must be positive")

    @property
    def db_path(self) -> Path:
        return self.data_dir / "therapy_notes.db"

    @property
    def is_shared_database(self) -> bool:
        """True when the notes live in a clinic's PostgreSQL database, not on this computer."""
        return self.database_url is not None and is_server_url(self.database_url)

    @property
    def is_local(self) -> bool:
        return self.engine_url is None or is_loopback_endpoint(self.engine_url)
