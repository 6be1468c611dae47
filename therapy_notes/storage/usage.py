"""Token usage per session, by kind (transcription, response), for the budget gauge."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from therapy_notes.domain.usage import TokenUsage
from therapy_notes.storage.errors import translated
from therapy_notes.storage.orm import (
    SessionRow,
    UsageRow,
)
from therapy_notes.storage.repository import Repository

USAGE_KINDS = ("transcription", "response")


class SqlUsageRepository(Repository):
    """Token usage records and their cost (`UsageRepository`)."""

    @translated
    def add(
        self, session_id: int, kind: str, usage: TokenUsage, cost_usd: float, at: datetime
    ) -> None:
        if kind not in USAGE_KINDS:
            raise ValueError(f"usage kind must be one of {', '.join(USAGE_KINDS)}")
        self._require(SessionRow, session_id, "Session")
        self._session.add(
            UsageRow(
                session_id=session_id,
                kind=kind,
                input_text_tokens=usage.input_text_tokens,
                input_audio_tokens=usage.input_audio_tokens,
                cached_text_tokens=usage.cached_text_tokens,
                cached_audio_tokens=usage.cached_audio_tokens,
                output_text_tokens=usage.output_text_tokens,
                output_audio_tokens=usage.output_audio_tokens,
                cost_usd=cost_usd,
                at=at,
            )
        )
        self._session.flush()

    @translated
    def total(self, session_id: int) -> TokenUsage:
        self._require(SessionRow, session_id, "Session")
        columns = (
            UsageRow.input_text_tokens,
            UsageRow.input_audio_tokens,
            UsageRow.cached_text_tokens,
            UsageRow.cached_audio_tokens,
            UsageRow.output_text_tokens,
            UsageRow.output_audio_tokens,
        )
        sums = self._session.execute(
            select(*(func.coalesce(func.sum(c), 0) for c in columns)).where(
                UsageRow.session_id == session_id
            )
        ).one()
        return TokenUsage(*(int(s) for s in sums))

    @translated
    def cost_usd(self, session_id: int) -> float:
        self._require(SessionRow, session_id, "Session")
        total = self._session.scalar(
            select(func.coalesce(func.sum(UsageRow.cost_usd), 0.0)).where(
                UsageRow.session_id == session_id
            )
        )
        return float(total or 0.0)
