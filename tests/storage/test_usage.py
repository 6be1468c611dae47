"""Token usage totals and cost from a real SQLite file."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from therapy_notes.domain.usage import TokenUsage
from therapy_notes.errors import NotFoundError
from therapy_notes.storage import SqlUnitOfWork

from .conftest import at

UowFactory = Callable[[], SqlUnitOfWork]


def test_usage_totals_and_cost(uow_factory: UowFactory, session_id: int) -> None:
    transcription = TokenUsage(input_audio_tokens=120)
    response = TokenUsage(
        input_text_tokens=900,
        input_audio_tokens=40,
        cached_text_tokens=600,
        cached_audio_tokens=10,
        output_text_tokens=80,
        output_audio_tokens=0,
    )
    with uow_factory() as uow:
        assert uow.usage.total(session_id) == TokenUsage()
        assert uow.usage.cost_usd(session_id) == 0.0
        uow.usage.add(session_id, "transcription", transcription, 0.00384, at(1))
        uow.usage.add(session_id, "response", response, 0.0061, at(2))
        uow.usage.add(session_id, "response", response, 0.0061, at(3))
    with uow_factory() as uow:
        assert uow.usage.total(session_id) == transcription + response + response
        assert uow.usage.cost_usd(session_id) == pytest.approx(0.00384 + 2 * 0.0061)
        with pytest.raises(ValueError, match="usage kind"):
            uow.usage.add(session_id, "image", response, 0.0, at(4))
        with pytest.raises(NotFoundError):
            uow.usage.total(4040)
