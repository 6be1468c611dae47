"""The desktop app's composition root: builds every part and wires them; `desktop` runs it.

The database opens on a worker thread and the local engine loads its model in a process
of its own while the window already shows "starting", so the UI never freezes (nor shares
its GIL with the engine's work). Shutdown runs in order: the running session is stopped
and saved, pending note edits are written, the engine stops, the database closes.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from PySide6.QtCore import QCoreApplication

from therapy_notes.bootstrap import configured_signing_key, open_configured_database
from therapy_notes.config import CLOUD_URL, AppConfig
from therapy_notes.domain.database_url import DatabaseUrlError, check_url
from therapy_notes.domain.document import NoteDocument
from therapy_notes.domain.engine_choice import EngineChoice
from therapy_notes.domain.engine_url import (
    Credential,
    EngineCredentials,
    credential_for,
    credential_kind,
)
from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.domain.notes import EntrySource
from therapy_notes.engine.launcher import local_engine
from therapy_notes.errors import AuthError, EngineUnavailableError, UserFacingError
from therapy_notes.services.notes import NotesService
from therapy_notes.services.patients import PatientsService
from therapy_notes.services.ports import (
    AudioSource,
    LinkFactory,
    SpeakerDiarizer,
)
from therapy_notes.services.recording import RecordingService, RecordingSettings
from therapy_notes.services.recovery import RecoveryService
from therapy_notes.services.sessions import SessionsService
from therapy_notes.services.templates import available_templates, load_template
from therapy_notes.services.users import UsersService
from therapy_notes.services.voices import VoiceEnrollmentService, VoicePrinter
from therapy_notes.storage.database import Database
from therapy_notes.storage.profile_cache import ProfileCache
from therapy_notes.ui.controllers.engine import EngineController, EngineEndpoint, EngineOpener
from therapy_notes.ui.controllers.library import LibraryController
from therapy_notes.ui.controllers.lock import CHECK_INTERVAL_MS, IdleLock
from therapy_notes.ui.controllers.notes import NotesController
from therapy_notes.ui.controllers.recording import RecordingController, SessionRequest
from therapy_notes.ui.controllers.recovery import RecoveryController
from therapy_notes.ui.controllers.settings import DeviceAccess, SettingsController
from therapy_notes.ui.controllers.users import UsersController
from therapy_notes.ui.controllers.voice import VoiceEnrollmentController
from therapy_notes.ui.dialogs.help_dialogs import DataPlaces
from therapy_notes.ui.main_window import MainWindow
from therapy_notes.ui.settings_store import (
    ApiKeyStore,
    SettingsStore,
    UiSettings,
)

if TYPE_CHECKING:
    from therapy_notes.engine.turns import EngineModels

_log = logging.getLogger(__name__)

SETTINGS_FILE = "settings.ini"

AudioFactory = Callable[[], AudioSource]
EngineOpenerFactory = Callable[[SettingsController], EngineOpener]


def pcm16_level(chunk: bytes) -> float:
    """Loudness 0..1 of a PCM16 chunk, for the level meters."""
    from therapy_notes.audio.dsp import rms_level
    from therapy_notes.pcm import pcm16_to_float, whole_samples

    return rms_level(pcm16_to_float(whole_samples(chunk)))


def data_places(config: AppConfig) -> DataPlaces:
    """Where this installation keeps its data, for Help > Your data (no password shown)."""
    if config.is_shared_database and config.database_url is not None:
        where = urlsplit(config.database_url).hostname or "the clinic's server"
    else:
        where = str(config.db_path)
    return DataPlaces(
        config.data_dir, where, config.is_shared_database, log_dir=config.data_dir / "logs"
    )


def microphone(device_name: str) -> AudioSource:
    """The chosen microphone ("" = system default); raises AudioDeviceError."""
    from therapy_notes.audio.devices import load_sounddevice
    from therapy_notes.audio.recorder import AudioRecorder

    return AudioRecorder(load_sounddevice(), device=device_name or None)


def list_microphones() -> list[str]:
    """Names of the input devices (blocking; raises AudioDeviceError)."""
    from therapy_notes.audio.devices import list_input_devices, load_sounddevice

    return [device.name for device in list_input_devices(load_sounddevice())]


def local_engine_opener(
    config: AppConfig, models: EngineModels | None = None
) -> EngineOpenerFactory:
    """Opens the engine the settings name: the local engine, or a cloud URL.

    The local engine runs in a process of its own, restarted if it ends while the app runs;
    with `models` given (tests) it runs on a thread of this process (`engine.launcher`).
    """

    def for_settings(settings: SettingsController) -> EngineOpener:
        @asynccontextmanager
        async def open_engine() -> AsyncIterator[EngineEndpoint]:
            chosen = settings.settings
            if chosen.engine is EngineChoice.LOCAL:
                engine = local_engine(models, model_dir=config.asr_model_dir)
                try:
                    await engine.start()
                except OSError as exc:
                    raise EngineUnavailableError(
                        f"The local speech engine could not start ({exc.strerror or exc}). "
                        "Restart the app; if it keeps failing, check that no firewall blocks "
                        "connections to this computer (127.0.0.1)."
                    ) from exc
                try:
                    yield EngineEndpoint(
                        engine.url, engine.token, "local", "Local", lost=engine.wait_lost
                    )
                finally:
                    await engine.stop()
                return
            url = CLOUD_URL if chosen.engine is EngineChoice.OPENAI else chosen.custom_url
            if urlsplit(url.strip()).scheme.lower() not in ("ws", "wss"):
                raise EngineUnavailableError(
                    "The custom engine URL must start with ws:// or wss:// and end in /v1. "
                    "Open Settings (Ctrl+,) to correct it, or choose the local engine."
                )
            # The OpenAI key is read (and sent) only for OpenAI's own hosts; any other URL
            # gets the clinic engine token (domain.engine_url holds the rule).
            if credential_kind(url) is Credential.OPENAI_KEY:
                credentials = EngineCredentials(openai_key=await settings.api_key())
                if not credentials.openai_key:
                    raise AuthError(
                        "No OpenAI API key is stored. Open Settings (Ctrl+,) and enter your "
                        "key, or choose the local engine, which needs none."
                    )
            else:
                credentials = EngineCredentials(engine_token=await settings.engine_token())
            label = (
                "OpenAI"
                if chosen.engine is EngineChoice.OPENAI
                else (urlsplit(url).hostname or url)
            )
            yield EngineEndpoint(
                url, credential_for(url, credentials), "cloud", label, ca_file=chosen.engine_ca
            )

        return open_engine

    return for_settings


def render_note(document: NoteDocument, export_format: str, paper: str) -> bytes:
    """The export adapter for the window: a note document in the chosen format."""
    from therapy_notes.domain.export_formats import ExportFormat, PaperSize
    from therapy_notes.export.render import render

    return render(document, ExportFormat(export_format), paper=PaperSize(paper))


@dataclass(slots=True)
class AppParts:
    """Everything the composition root built, so tests and screenshots drive the real app."""

    database: Database
    window: MainWindow
    recording: RecordingController
    library: LibraryController
    engine: EngineController
    settings: SettingsController
    users: UsersController
    notes: NotesController
    lock: IdleLock
    recovery: RecoveryController

    async def shutdown(self) -> None:
        """The one shutdown path: save the session, write edits, stop engine, close storage."""
        _log.info("shutting down")
        self.lock.stop()
        app = QCoreApplication.instance()
        if app is not None:
            app.removeEventFilter(self.lock)
        self.window.note.flush()
        await self.recording.shutdown()
        await self.library.shutdown()
        await self.notes.shutdown()
        await self.recovery.shutdown()
        await self.users.shutdown()
        await self.settings.shutdown()
        await self.engine.shutdown()
        await asyncio.to_thread(self.database.close)


def resolve_data_dir(config: AppConfig) -> AppConfig:
    """A data folder chosen in Settings moves the database from the next start.

    So does a clinic database URL chosen in Settings, unless --database-url or
    THERAPY_NOTES_DATABASE_URL already names one (the command line wins).

    Raises:
        UserFacingError: the URL in Settings is not one this app can open.
    """
    chosen = SettingsStore(config.data_dir / SETTINGS_FILE).load()
    if chosen.data_dir:
        config = replace(config, data_dir=Path(chosen.data_dir))
    if config.database_url is None and chosen.database_url:
        try:
            config = replace(config, database_url=check_url(chosen.database_url))
        except DatabaseUrlError as exc:
            raise UserFacingError(
                f"{exc} Correct it in {config.data_dir / SETTINGS_FILE} (database_url), or "
                "start with --database-url."
            ) from exc
    return config


async def build_app(
    config: AppConfig,
    *,
    audio_factory: Callable[[str], AudioSource] = microphone,
    devices: DeviceAccess | None = None,
    engine_opener: EngineOpenerFactory | None = None,
    keys: ApiKeyStore | None = None,
    settings_path: Path | None = None,
    db_key: DatabaseKey | None = None,
    hasher: PasswordHasher | None = None,
    idle_clock: Callable[[], float] = time.monotonic,
    lock_check_ms: int = CHECK_INTERVAL_MS,
) -> AppParts:
    """Open the database and wire controllers and window (the window is not shown yet).

    Raises:
        StorageError: the database cannot be opened.
    """
    defaults = UiSettings(
        model=config.model,
        reasoning_effort=config.reasoning_effort,
        max_output_tokens=config.max_output_tokens,
        token_cap=config.token_cap,
        prices=config.prices,
        template=config.template,
        keep_audio=config.keep_audio,
    )
    store = SettingsStore(settings_path or config.data_dir / SETTINGS_FILE)
    settings = SettingsController(
        store,
        keys or ApiKeyStore(),
        devices if devices is not None else DeviceAccess(list_microphones, microphone, pcm16_level),
        defaults,
    )
    database = await asyncio.to_thread(open_configured_database, config, db_key)
    profiles = ProfileCache(database.uow_factory)
    engine = EngineController((engine_opener or local_engine_opener(config))(settings))
    # The service hashes a dummy password when built (for timing-safe sign-in): off the UI thread.
    users = UsersController(
        await asyncio.to_thread(UsersService, database.uow_factory, hasher=hasher)
    )

    def actor_name() -> str:
        user = users.current_user
        return user.username if user is not None else "clinician"

    encoders: list[Any] = []
    encoder_lock = threading.Lock()

    def encoder() -> Any:
        """The speaker model, loaded once on first use (by a session or an enrollment)."""
        from therapy_notes.speakers.encoder import SpeakerEncoder

        with encoder_lock:
            if not encoders:
                encoders.append(SpeakerEncoder())
            return encoders[0]

    def voice_printer() -> VoicePrinter:
        from therapy_notes.speakers.diarizer import OnlineDiarizer

        return OnlineDiarizer(encoder())

    voices = VoiceEnrollmentService(database.uow_factory, voice_printer)

    async def diarizer() -> SpeakerDiarizer | None:
        """The session's diarizer, knowing the signed-in clinician's voice if enrolled."""
        from therapy_notes.speakers.diarizer import OnlineDiarizer

        try:
            loaded = await asyncio.to_thread(encoder)
        except UserFacingError as exc:
            _log.warning("speaker labels are off: %s", type(exc).__name__)
            return None
        voice = await voices.voice_of(users.current_user)
        return OnlineDiarizer(loaded, clinician_voice=voice.data if voice is not None else None)

    async def make_service(request: SessionRequest) -> RecordingService:
        endpoint = await engine.endpoint()
        # The link's modules (the openai SDK, pydantic, httpx) are the preload's to import:
        # one package tree is never imported by two threads at once.
        await realtime_client_imported
        chosen = settings.settings
        return RecordingService(
            uow_factory=database.uow_factory,
            link_factory=_link_factory(endpoint),
            settings=RecordingSettings(
                model=chosen.model,
                engine_name=endpoint.kind,
                reasoning_effort=request.reasoning_effort,
                max_output_tokens=chosen.max_output_tokens,
                token_cap=chosen.token_cap,
                prices=chosen.prices,
                vad_silence_ms=config.vad_silence_ms,
                keep_audio=chosen.keep_audio,
                actor=actor_name(),
                entry_source=EntrySource.MODEL
                if endpoint.kind == "cloud"
                else EntrySource.LOCAL_COMPOSER,
            ),
            profiles=profiles.get,
            diarizer=await diarizer(),
        )

    realtime_client_imported = preload_realtime_client()
    recording = RecordingController(
        make_service, lambda: audio_factory(settings.settings.input_device), pcm16_level
    )
    signing_key = await asyncio.to_thread(configured_signing_key, config, db_key)
    notes_service = NotesService(database.uow_factory, signing_key=signing_key)
    patients = PatientsService(database.uow_factory, profiles=profiles)
    library = LibraryController(
        patients, SessionsService(database.uow_factory), notes_service, actor=actor_name
    )
    notes = NotesController(notes_service, patients, render_note, lambda: users.current_user)
    lock = IdleLock(
        settings.settings.lock_after_min * 60, clock=idle_clock, check_interval_ms=lock_check_ms
    )
    settings.settings_saved.connect(lambda saved: lock.set_lock_after(saved.lock_after_min * 60))
    app = QCoreApplication.instance()
    if app is not None:
        app.installEventFilter(lock)
    recovery = RecoveryController(RecoveryService(database.uow_factory), patients.names, actor_name)
    window = MainWindow(
        recording=recording,
        library=library,
        engine=engine,
        settings=settings,
        users=users,
        notes=notes,
        lock=lock,
        recovery=recovery,
        template_names=available_templates(),
        template_for=load_template,
        data_places=data_places(config),
        voice=VoiceEnrollmentController(
            voices,
            lambda: audio_factory(settings.settings.input_device),
            lambda: users.current_user,
            pcm16_level,
        ),
    )
    return AppParts(
        database, window, recording, library, engine, settings, users, notes, lock, recovery
    )


_preloads: set[asyncio.Future[Any]] = set()


def preload_realtime_client() -> asyncio.Future[object]:
    """Import the realtime client (and the openai SDK) on a worker thread, in advance.

    Imported on first use, it cost the window a 1.3 s freeze when Record was first pressed.
    Whoever needs those modules awaits the returned future first: a thread that imported
    them meanwhile could be handed a partially initialised module (a pydantic ImportError
    seen once). The engine's imports are its own process's.
    """
    future: asyncio.Future[object] = asyncio.ensure_future(
        asyncio.to_thread(importlib.import_module, "therapy_notes.realtime.connection")
    )
    _preloads.add(future)
    future.add_done_callback(_preloads.discard)
    return future


def _link_factory(endpoint: EngineEndpoint) -> LinkFactory:
    """Realtime links to the engine the settings chose."""
    from therapy_notes.realtime.links import link_factory

    ca_file = Path(endpoint.ca_file) if endpoint.ca_file else None
    return link_factory(
        endpoint.url, endpoint.api_key, is_cloud=endpoint.kind == "cloud", ca_file=ca_file
    )
