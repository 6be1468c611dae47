"""`therapy-notes transcribe FILE` (and `--sample`): a recording through the session path.

It streams the file through exactly the path a live session takes (audio -> realtime link
-> engine -> services -> database), so a clinic can batch-process dictations and CI can
prove the whole path without a microphone.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from therapy_notes.bootstrap import open_configured_database
from therapy_notes.cli.exit_codes import EXIT_OK
from therapy_notes.cli.session_output import SessionOutput
from therapy_notes.config import AppConfig
from therapy_notes.domain.engine_url import (
    Credential,
    EngineCredentials,
    credential_for,
    credential_kind,
)
from therapy_notes.domain.keys import DatabaseKey
from therapy_notes.domain.notes import EntrySource
from therapy_notes.errors import UserFacingError
from therapy_notes.realtime.links import link_factory
from therapy_notes.resource_paths import resource_path
from therapy_notes.services.ports import SpeakerDiarizer
from therapy_notes.services.recording import RecordingService, RecordingSettings
from therapy_notes.services.templates import load_template


def sample_recording() -> Path:
    """The bundled sample dictation the run command transcribes."""
    return resource_path("samples", "sample_session.wav")


@contextlib.asynccontextmanager
async def engine_url_for(config: AppConfig) -> AsyncIterator[tuple[str, str, str]]:
    """(websocket base URL, credential, engine name): the configured one, or a local engine.

    The credential follows `domain.engine_url`: the OpenAI key only for OpenAI's hosts, the
    engine token for every other URL.
    """
    if config.engine_url is not None:
        url = config.engine_url
        credentials = EngineCredentials(
            openai_key=os.environ.get(config.api_key_env) or None,
            engine_token=os.environ.get(config.engine_token_env) or None,
        )
        if credential_kind(url) is Credential.OPENAI_KEY and not credentials.openai_key:
            raise UserFacingError(
                f"No API key: set the environment variable {config.api_key_env} to your "
                "OpenAI API key, or leave out --engine-url to use the local engine."
            )
        if credential_kind(url) is Credential.ENGINE_TOKEN and not credentials.engine_token:
            sys.stderr.write(
                f"therapy-notes: note: {config.engine_token_env} is not set, so no token is "
                "sent to the engine; a clinic engine will refuse the connection.\n"
            )
        yield url, credential_for(url, credentials), "local" if config.is_local else "cloud"
        return
    from therapy_notes.engine.launcher import local_engine

    # On a thread: no window to keep smooth here, and no second interpreter to start.
    engine = local_engine(model_dir=config.asr_model_dir, own_process=False)
    await engine.start()
    try:
        yield engine.url, engine.token, "local"
    finally:
        await engine.stop()


async def transcribe(
    config: AppConfig,
    file: Path,
    *,
    patient_id: int | None,
    realtime: bool,
    out: SessionOutput,
    db_key: DatabaseKey | None = None,
) -> int:
    """Stream `file` through a session, store it, print what it produced.

    `db_key` encrypts the database (the command line always passes it); None is for tests.
    """
    from therapy_notes.audio.wav_reader import read_wav_info
    from therapy_notes.audio.wav_source import WavSource
    from therapy_notes.storage.profile_cache import ProfileCache

    load_template(config.template)
    source = WavSource(file, realtime=realtime)
    for warning in read_wav_info(file).warnings:
        out.warning(warning)
    database = await asyncio.to_thread(open_configured_database, config, db_key)
    try:
        profiles = ProfileCache(database.uow_factory)
        async with engine_url_for(config) as (url, key, engine_name):
            service = RecordingService(
                uow_factory=database.uow_factory,
                link_factory=link_factory(
                    url, key, is_cloud=engine_name == "cloud", ca_file=config.engine_ca
                ),
                settings=RecordingSettings(
                    model=config.model,
                    engine_name=engine_name,
                    reasoning_effort=config.reasoning_effort,
                    max_output_tokens=config.max_output_tokens,
                    token_cap=config.token_cap,
                    prices=config.prices,
                    vad_silence_ms=config.vad_silence_ms,
                    entry_source=EntrySource.MODEL
                    if engine_name == "cloud"
                    else EntrySource.LOCAL_COMPOSER,
                    keep_audio=config.keep_audio,
                    pace_to_engine=not realtime,
                ),
                profiles=profiles.get,
                diarizer=await _diarizer(out),
            )
            service.add_listener(out.on_event)
            await service.start(source, patient_id=patient_id, template=config.template)
            await service.wait_for_audio_end()
            await service.stop()
            session_id = service.session_id
            if session_id is not None:
                note = await asyncio.to_thread(_load_note, database.uow_factory, session_id)
                budget = service.budget()  # the whole session: note updates and transcript
                out.summary(note, budget.used + budget.transcription, budget.cost_usd)
            if service.failure is not None:
                raise service.failure
    finally:
        await asyncio.to_thread(database.close)
    return EXIT_OK


def _load_note(uow_factory: Callable[[], Any], session_id: int) -> Any:
    with uow_factory() as uow:
        return uow.notes.load(session_id)


async def _diarizer(out: SessionOutput) -> SpeakerDiarizer | None:
    """A diarizer for one session; without the speaker model, segments stay unlabelled."""
    from therapy_notes.speakers.diarizer import OnlineDiarizer
    from therapy_notes.speakers.encoder import SpeakerEncoder

    try:
        encoder = await asyncio.to_thread(SpeakerEncoder)
    except UserFacingError as exc:
        out.warning(f"{exc} Segments are stored without speaker labels.")
        return None
    return OnlineDiarizer(encoder)
