"""The desktop app's composition root: builds everything, runs the qasync loop, shuts down.

The window appears first; the database opens on a worker thread and the local engine loads
its model in a process of its own while the window already shows "starting", so the UI
never freezes (nor shares its GIL with the engine's work). Shutdown runs in order: the
running session is stopped and saved, pending note edits are written, the engine stops,
the database closes.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import qasync
from argon2 import PasswordHasher
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from therapy_notes.config import CLOUD_URL, AppConfig
from therapy_notes.domain.database_url import DATABASE_PASSWORD_ENV, DatabaseUrlError, check_url
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
from therapy_notes.domain.users import User
from therapy_notes.engine.launcher import local_engine
from therapy_notes.errors import AuthError, EngineUnavailableError, UserFacingError
from therapy_notes.services.database_password import database_password
from therapy_notes.services.keys import KeyService
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
from therapy_notes.storage.database import Database, open_database, open_url
from therapy_notes.storage.profile_cache import ProfileCache
from therapy_notes.storage.signatures import clinic_signing_key, signing_key_for
from therapy_notes.system_keyring import SystemKeyring
from therapy_notes.ui.controllers.engine import EngineController, EngineEndpoint, EngineOpener
from therapy_notes.ui.controllers.library import LibraryController
from therapy_notes.ui.controllers.lock import CHECK_INTERVAL_MS, IdleLock
from therapy_notes.ui.controllers.notes import NotesController
from therapy_notes.ui.controllers.recording import RecordingController, SessionRequest
from therapy_notes.ui.controllers.recovery import RecoveryController
from therapy_notes.ui.controllers.settings import DeviceAccess, SettingsController
from therapy_notes.ui.controllers.users import UsersController
from therapy_notes.ui.controllers.voice import VoiceEnrollmentController
from therapy_notes.ui.crash import CrashReporter
from therapy_notes.ui.dialogs.help_dialogs import DataPlaces
from therapy_notes.ui.dialogs.sign_in_dialog import SignInDialog
from therapy_notes.ui.dialogs.unlock_dialog import DialogKeyPrompt
from therapy_notes.ui.gc_collector import GuiThreadCollector
from therapy_notes.ui.launch import show_splash, start_qt
from therapy_notes.ui.main_window import MainWindow
from therapy_notes.ui.settings_store import (
    ApiKeyStore,
    SettingsStore,
    UiSettings,
)
from therapy_notes.ui.widgets.startup_splash import StartupSplash

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


def open_configured_database(config: AppConfig, db_key: DatabaseKey | None) -> Database:
    """The clinic's PostgreSQL database when one is configured, else this computer's file.

    The server's password comes from THERAPY_NOTES_DATABASE_PASSWORD or the OS keyring
    (`therapy-notes db password`); blocking, so it runs on a worker thread.
    """
    if config.database_url is not None and config.is_shared_database:
        password = database_password(
            config.database_url,
            from_env=os.environ.get(DATABASE_PASSWORD_ENV),
            keyring=SystemKeyring(),
        )
        return open_url(config.database_url, password=password)
    return open_database(config.db_path, db_key)


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
    if config.is_shared_database:  # one secret for every desktop of the clinic
        signing_key = await asyncio.to_thread(clinic_signing_key, config.data_dir)
    else:
        signing_key = await asyncio.to_thread(signing_key_for, config.db_path, db_key)
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


def _next(signal: Any) -> asyncio.Future[tuple[Any, ...]]:
    """The arguments of a signal's next emission, to await without a nested event loop."""
    done: asyncio.Future[tuple[Any, ...]] = asyncio.get_running_loop().create_future()

    def on_emit(*args: Any) -> None:
        signal.disconnect(on_emit)
        if not done.done():
            done.set_result(args)

    signal.connect(on_emit)
    return done


async def sign_in(
    users: UsersController, opened: Callable[[SignInDialog], None] | None = None
) -> User | None:
    """Ask who is working (or create the first admin); None if the dialog was cancelled.

    The dialog is opened with `open()` and awaited through its `finished` signal, so the
    loop keeps running (the engine loads meanwhile). `opened` lets tests reach the dialog.
    """
    checked = _next(users.first_run_checked)
    users.check_first_run()
    (is_first_run,) = await checked
    dialog = SignInDialog(users, is_first_run=bool(is_first_run))
    finished = _next(dialog.finished)
    dialog.open()
    if opened is not None:
        opened(dialog)
    await finished
    return dialog.user


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


async def _show_fatal(message: str) -> None:
    """A blocking error before the window exists, shown without a nested event loop."""
    done = asyncio.get_running_loop().create_future()
    box = QMessageBox(QMessageBox.Icon.Critical, "Therapy Notes cannot start", message)

    def on_finished(_result: int) -> None:
        if not done.done():
            done.set_result(None)

    box.finished.connect(on_finished)
    box.open()
    await done


async def _run(
    app: QApplication,
    config: AppConfig,
    db_key: DatabaseKey | None,
    splash: StartupSplash | None = None,
) -> int:
    reporter = CrashReporter(str(config.data_dir / "logs" / "therapy_notes.log"))
    reporter.install()
    if splash is not None:
        splash.show_status("Checking and opening your records…")
    try:
        parts = await build_app(config, db_key=db_key)
    except UserFacingError as exc:
        if splash is not None:
            splash.close()
        await _show_fatal(str(exc))
        return 1
    if splash is not None:
        splash.show_status("Loading the speech model…")
    parts.engine.start()  # the model loads while the user signs in
    if splash is not None:
        splash.close()  # the sign-in window is the next thing to use
    if await sign_in(parts.users) is None:
        await parts.shutdown()
        return 0
    quit_requested = asyncio.Event()
    parts.window.closed.connect(quit_requested.set)
    app.aboutToQuit.connect(quit_requested.set)
    parts.window.show()
    parts.library.list_patients()
    parts.recovery.find_interrupted()
    await quit_requested.wait()
    await parts.shutdown()
    return 0


def run_app(
    config: AppConfig,
    argv: Sequence[str] | None = None,
    *,
    splash: StartupSplash | None = None,
) -> int:
    """Open the window and run until it closes; returns the process exit code.

    `splash` is the one the launcher already shows (`ui.launch`); without it, Qt is
    started and the splash shown here.
    """
    if splash is None:
        app_or_problem = start_qt(argv)
        if isinstance(app_or_problem, str):
            sys.stderr.write(app_or_problem)
            return 1
        splash = show_splash(app_or_problem, "Opening your records…")
    else:
        splash.show_status("Opening your records…")
        QApplication.processEvents()  # no event loop yet: paint the new status now
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    try:
        config = resolve_data_dir(config)
        # A clinic's server encrypts at rest and this computer keeps no copy: no key.
        db_key = None if config.is_shared_database else unlock_database(config)
    except UserFacingError as exc:
        splash.close()
        QMessageBox.critical(None, "Therapy Notes cannot open its records", str(exc))
        return 1
    collector = GuiThreadCollector()
    collector.start()
    try:
        with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
            return runner.run(_run(app, config, db_key, splash))
    finally:
        collector.stop()


def unlock_database(config: AppConfig) -> DatabaseKey:
    """The database key, from the OS keyring or a passphrase; made (and shown) on first run.

    Runs before the event loop: nothing can open without the key, and asking is modal.
    """
    config.db_path.parent.mkdir(parents=True, exist_ok=True)
    from therapy_notes.storage.backup import opens_with
    from therapy_notes.storage.key_file import KeyFile

    service = KeyService(
        config.db_path,
        key_file=KeyFile(config.db_path),
        keyring=SystemKeyring(),
        prompt=DialogKeyPrompt(),
        opens_database=lambda key: opens_with(config.db_path, key),
    )
    return service.unlock().key
