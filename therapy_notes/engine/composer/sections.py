"""Which note section a clinical role goes to, for any template the session declares.

The composer reads only what a model would see: the `section` enum of `add_note_entries`
and each section's guidance in the instructions. So it works for any note template without
knowing template names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from therapy_notes.domain.tools import ADD_NOTE_ENTRIES


@dataclass(frozen=True, slots=True)
class NoteSection:
    """A section key from the tool schema, with its guidance when the instructions give it."""

    key: str
    guidance: str = ""


def sections_from_session(
    tools: Iterable[Mapping[str, Any]], instructions: str
) -> list[NoteSection]:
    """The note sections a session offers: the `section` enum of `add_note_entries`.

    Guidance comes from instruction lines of the form `- key (Title): guidance`, the way
    the app writes them; without them, sections are matched on their keys alone.
    """
    keys: list[str] = []
    for tool in tools:
        if tool.get("name") != ADD_NOTE_ENTRIES:
            continue
        try:
            enum = tool["parameters"]["properties"]["entries"]["items"]["properties"]["section"][
                "enum"
            ]
        except (KeyError, TypeError):
            continue
        if isinstance(enum, list):
            keys = [k for k in enum if isinstance(k, str)]
    guidance: dict[str, str] = {}
    for match in re.finditer(r"^\s*-\s*(\S+)\s*\(([^)]*)\):\s*(.*)$", instructions, re.MULTILINE):
        guidance[match.group(1)] = f"{match.group(2)} {match.group(3)}"
    return [NoteSection(key, guidance.get(key, "")) for key in keys]


def tool_names(tools: Iterable[Mapping[str, Any]]) -> set[str]:
    """Names of the function tools a session declares."""
    return {t["name"] for t in tools if isinstance(t.get("name"), str)}


_ROLE_KEYS: dict[str, frozenset[str]] = {
    "subjective": frozenset({"subjective", "s", "data", "behavior", "behaviour", "history"}),
    "objective": frozenset({"objective", "o", "data", "behavior", "behaviour", "findings"}),
    "intervention": frozenset({"intervention", "interventions", "treatment"}),
    "response": frozenset({"response", "responses"}),
    "assessment": frozenset({"assessment", "a", "impression", "impressions"}),
    "plan": frozenset({"plan", "p", "recommendations"}),
    "goals": frozenset({"goals", "goal", "g"}),
}
_ROLE_GUIDANCE_WORDS: dict[str, frozenset[str]] = {
    "subjective": frozenset(
        {
            "reports",
            "report",
            "says",
            "said",
            "symptoms",
            "concerns",
            "words",
            "history",
            "complaint",
            "presentation",
        }
    ),
    "objective": frozenset(
        {
            "observed",
            "measured",
            "measurements",
            "tests",
            "vital",
            "range",
            "strength",
            "behaviour",
            "behavior",
            "performed",
        }
    ),
    # Words that name what the clinician did; "treatment" and "clinician" are left out
    # because assessment and plan guidance use them too ("response to treatment").
    "intervention": frozenset(
        {
            "techniques",
            "exercises",
            "exercise",
            "education",
            "did",
            "performed",
            "interventions",
            "intervention",
        }
    ),
    "response": frozenset({"responded", "response", "progress", "tolerated"}),
    "assessment": frozenset({"interpretation", "impression", "assessment", "progress"}),
    "plan": frozenset({"next", "homework", "follow", "referrals", "appointment", "steps", "plan"}),
    # Guidance mentions goals in passing ("progress toward goals"); only a section whose
    # key names goals holds them, otherwise they are part of the plan.
    "goals": frozenset(),
}
_ROLE_FALLBACK: dict[str, tuple[str, ...]] = {
    "subjective": ("objective",),
    "objective": ("subjective",),
    "intervention": ("objective", "subjective"),
    "response": ("assessment", "objective", "subjective"),
    "assessment": ("response", "objective"),
    "plan": (),
    "goals": ("plan", "assessment"),
}


def section_for_role(role: str, sections: Sequence[NoteSection]) -> str | None:
    """The section that best fits a clinical role, by key first, then by guidance words."""
    if not sections:
        return None
    for candidate in (role, *_ROLE_FALLBACK[role]):
        best, best_score = None, 0
        for section in sections:
            score = _section_score(candidate, section)
            if score > best_score:
                best, best_score = section.key, score
        if best is not None:
            return best
    return sections[0].key


def _section_score(role: str, section: NoteSection) -> int:
    key = section.key.lower()
    # A key of several words ("treatment_goals") names its role by any of its words.
    key_words = {key, *re.findall(r"[a-z]{2,}", key)}
    if key_words & _ROLE_KEYS[role]:
        return 100
    words = set(re.findall(r"[a-z]+", f"{key} {section.guidance}".lower()))
    return len(words & _ROLE_GUIDANCE_WORDS[role])
