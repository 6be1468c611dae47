"""The note tools the model (or the local composer) calls during a session.

Notes are built through tool calls, not free text: `add_note_entries`,
`record_measurement`, `flag_risk` and `get_patient_profile`. This module checks each
call's arguments, stores what it adds and tells the listeners, and remembers what it
wrote, so when turns it wrote from change role (a swap, or a settled relabel) the model's
entries can be removed and the rewrite stores measurements and risk flags only once. The
calls are run by `ToolRunner`; this module knows nothing of the link or of when an update
is asked for.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from therapy_notes.domain import tools as note_tools
from therapy_notes.domain.link import ToolHandler
from therapy_notes.domain.notes import (
    EntrySource,
    Measurement,
    Note,
    NoteEntry,
    NoteTemplate,
    RiskFlag,
    RiskKind,
)
from therapy_notes.domain.patients import PatientProfile
from therapy_notes.services.ports import UnitOfWork
from therapy_notes.services.recording_events import (
    MeasurementRecorded,
    NoteEntryAdded,
    NoteRewritten,
    RecordingEvent,
    RiskFlagged,
)
from therapy_notes.services.session_writes import SessionWriter

MeasurementKey = tuple[str, float, str, str, str]


class NoteTools:
    """The handlers of one session's note tools, and what they wrote."""

    def __init__(
        self,
        *,
        writer: SessionWriter,
        emit: Callable[[RecordingEvent], None],
        entry_source: EntrySource,
        session_id: Callable[[], int],
        template: Callable[[], NoteTemplate],
        profile: Callable[[], Awaitable[PatientProfile | None]],
        segment_of: Callable[[str], int | None],
    ) -> None:
        self._writer = writer
        self._emit = emit
        self._entry_source = entry_source
        self._session_id = session_id
        self._template = template
        self._profile = profile
        self._segment_of = segment_of
        self._written: list[int] = []
        """Note entries the model wrote this session (ids), rewritten when roles change."""
        self._kept_measurements: list[MeasurementKey] = []
        self._kept_risks: set[RiskKind] = set()
        """What a rewrite must not store twice: measurements and risks stored before it."""

    def handlers(self) -> Mapping[str, ToolHandler]:
        return {
            note_tools.ADD_NOTE_ENTRIES: self._add_note_entries,
            note_tools.RECORD_MEASUREMENT: self._record_measurement,
            note_tools.FLAG_RISK: self._flag_risk,
            note_tools.GET_PATIENT_PROFILE: self._get_patient_profile,
        }

    async def remove_written(self) -> Note:
        """Remove the model's entries nobody edited, ahead of writing the note again.

        Measurements and risk flags stay; the rewrite's calls for them are answered as
        already recorded instead of storing them twice.
        """
        session_id = self._session_id()
        source = self._entry_source
        written = set(self._written)

        def remove(uow: UnitOfWork) -> Note:
            note = uow.notes.load(session_id)
            for entry in note.entries:
                if entry.id in written and entry.source is source and entry.version == 1:
                    uow.notes.delete_entry(entry.id)
            return uow.notes.load(session_id)

        kept = await self._writer.write(remove)
        self._written = []
        self._kept_measurements = [measurement_key(m) for m in kept.measurements]
        self._kept_risks = {r.kind for r in kept.risks}
        self._emit(NoteRewritten(kept))
        return kept

    def _segments_of(self, arguments: Mapping[str, Any]) -> tuple[int, ...]:
        """Segment ids of the turns a call cites.

        Calls are run after every event before their response, so a cited turn that was
        transcribed has its segment; an id that is not a stored turn is not cited.
        """
        ids = arguments.get("source_item_ids") or ()
        if not isinstance(ids, list | tuple) or not all(isinstance(i, str) for i in ids):
            raise ValueError("source_item_ids must be a list of strings")
        cited = (self._segment_of(i) for i in ids)
        return tuple(segment_id for segment_id in cited if segment_id is not None)

    async def _add_note_entries(self, arguments: Mapping[str, Any]) -> str:
        template = self._template()
        session_id = self._session_id()
        raw = arguments.get("entries")
        if not isinstance(raw, list) or not raw:
            raise ValueError("entries must be a non-empty list")
        entries: list[NoteEntry] = []
        for item in raw:
            if not isinstance(item, dict):
                raise ValueError("each entry must be an object")
            section, text = item.get("section"), item.get("text")
            if section not in template.section_keys:
                raise ValueError(f"section must be one of {', '.join(template.section_keys)}")
            if not isinstance(text, str) or not text.strip():
                raise ValueError("text must be a non-empty string")
            entries.append(
                NoteEntry(section, text.strip(), self._entry_source, self._segments_of(item))
            )

        def save(uow: UnitOfWork) -> list[NoteEntry]:
            return [uow.notes.add_entry(session_id, entry) for entry in entries]

        saved = await self._writer.write(save)
        for entry in saved:
            if entry.id is not None:
                self._written.append(entry.id)
            self._emit(NoteEntryAdded(entry))
        return json.dumps({"ok": True, "added": len(saved)})

    async def _record_measurement(self, arguments: Mapping[str, Any]) -> str:
        session_id = self._session_id()
        kind, value = arguments.get("kind"), arguments.get("value")
        if kind not in note_tools.MEASUREMENT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(note_tools.MEASUREMENT_KINDS)}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("value must be a number")
        measurement = Measurement(
            kind=str(kind),
            value=float(value),
            unit=_text(arguments, "unit"),
            body_part=_text(arguments, "body_part"),
            side=_text(arguments, "side"),
            segment_ids=self._segments_of(arguments),
        )
        key = measurement_key(measurement)
        if key in self._kept_measurements:
            self._kept_measurements.remove(key)  # stored before the note was rewritten
            return json.dumps({"ok": True, "already_recorded": True})
        saved = await self._writer.write(
            lambda uow: uow.notes.add_measurement(session_id, measurement)
        )
        self._emit(MeasurementRecorded(saved))
        return json.dumps({"ok": True})

    async def _flag_risk(self, arguments: Mapping[str, Any]) -> str:
        session_id = self._session_id()
        try:
            kind = RiskKind(str(arguments.get("kind")))
        except ValueError:
            kinds = ", ".join(k.value for k in RiskKind)
            raise ValueError(f"kind must be one of {kinds}") from None
        if kind in self._kept_risks:
            # Flagged before the note was rewritten: the flag stands, once.
            return json.dumps({"ok": True, "flagged": kind.value, "already_flagged": True})
        risk = RiskFlag(kind, _text(arguments, "evidence"), self._segments_of(arguments))
        saved = await self._writer.write(lambda uow: uow.notes.add_risk(session_id, risk))
        self._emit(RiskFlagged(saved))
        return json.dumps({"ok": True, "flagged": kind.value})

    async def _get_patient_profile(self, arguments: Mapping[str, Any]) -> str:
        profile = await self._profile()
        if profile is None:
            return json.dumps({"ok": False, "error": "no patient is linked to this session"})
        return json.dumps(
            {
                "ok": True,
                "diagnoses": list(profile.diagnoses),
                "goals": list(profile.goals),
                "precautions": list(profile.precautions),
            }
        )


def measurement_key(m: Measurement) -> MeasurementKey:
    """What makes two measurements the same one, for a rewrite not to store it twice."""
    return (m.kind, m.value, m.unit, m.body_part, m.side)


def _text(arguments: Mapping[str, Any], key: str) -> str:
    value = arguments.get(key, "")
    return value.strip() if isinstance(value, str) else ""
