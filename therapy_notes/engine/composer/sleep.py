"""The sleep history's values: time to fall asleep, night wakings and naps.

A sleep history (and a sleep diary) records how long sleep takes to come, how often it
breaks and how long the naps are, besides the hours slept; people say them in passing
("it takes me an hour to drop off and I wake up three times"). Each is read by what it is
of, so "an hour" to fall asleep is not an hour of sleep and three wakings are not three
hours.
"""

from __future__ import annotations

import re
from typing import Any

_AMOUNT = (
    r"(?:(?:about|around|roughly|maybe|like|over|nearly|almost|at least|a good)\s+)?"
    r"(?P<amount>\d+(?:\.\d+)?|an?|half an?)\s*(?:-\s*)?(?P<unit>hours?|hrs?|minutes?|mins?)"
    r"(?P<half>\s+and\s+a\s+half)?"
)
_FALL_ASLEEP = (
    r"(?:(?:fall|falling)\s+(?:back\s+)?asleep|(?:get|getting|go|going)\s+(?:back\s+)?to\s+sleep|"
    r"(?:drop|dropping|nod|nodding|drift|drifting)\s+off)"
)
_BEFORE_SLEEP = rf"\s+(?:to|before\s+(?:i|he|she|they)\s+(?:can\s+)?)\s*{_FALL_ASLEEP}\b"
# "It takes me an hour to drop off", "forty minutes before I fall asleep", "I lie there for
# an hour before I nod off".
_LATENCY = (
    re.compile(
        rf"\b(?:takes?|took|taking)\s+(?:me\s+|him\s+|her\s+|them\s+)?(?:(?!half\b)\w+\s+)?{_AMOUNT}"
        rf"{_BEFORE_SLEEP}"
    ),
    re.compile(rf"\b{_AMOUNT}{_BEFORE_SLEEP}"),
    re.compile(rf"\blie\s+(?:there\s+|awake\s+)*(?:for\s+)?{_AMOUNT}\s+before\b"),
)
_TIMES = r"(?:(\d+)\s+times|(once|twice))"
_WAKINGS = re.compile(
    r"\b(?:wake|waking|woke|get|getting|got)\s+(?:up\s+)?(?:about\s+|around\s+|maybe\s+|"
    rf"like\s+)?{_TIMES}\b|\b(?:i'm|i am|she's|he's|they're)\s+up\s+(?:about\s+|around\s+)?"
    rf"{_TIMES}\b|\bup\s+{_TIMES}\s+(?:a|in the|every|each)\s+night\b"
)
_NAP = (
    re.compile(rf"\b{_AMOUNT}\s+naps?\b"),
    re.compile(rf"\bnap(?:s|ping)?\s+(?:\w+\s+){{0,3}}?(?:for\s+)?{_AMOUNT}"),
)


def sleep_values(clause: str) -> list[dict[str, Any]]:
    """The sleep-onset time, night wakings and nap length a lower-case clause states."""
    found: list[dict[str, Any]] = []
    latency = _first(_LATENCY, clause)
    if latency is not None:
        found.append({**_duration(latency), "name": "sleep_latency"})
    wakings = _WAKINGS.search(clause)
    if wakings is not None:
        said = next(g for g in wakings.groups() if g is not None)
        count = {"once": 1, "twice": 2}.get(said) or int(said)
        found.append({"kind": "other", "value": count, "unit": "wakings a night"})
    nap = _first(_NAP, clause)
    if nap is not None:
        found.append({**_duration(nap), "name": "nap"})
    return found


def _first(patterns: tuple[re.Pattern[str], ...], clause: str) -> re.Match[str] | None:
    return next((m for p in patterns if (m := p.search(clause)) is not None), None)


def _duration(match: re.Match[str]) -> dict[str, Any]:
    """A said amount of time in its own unit ("an hour" is one hour, "half an hour" 30 min)."""
    amount, unit = match.group("amount"), match.group("unit")
    hours = unit.startswith("h")
    if amount.startswith("half"):
        return {"kind": "duration", "value": 30, "unit": "minutes" if hours else "seconds"}
    value = 1.0 if amount in ("a", "an") else float(amount)
    if match.group("half"):
        value += 0.5
    return {"kind": "duration", "value": _whole(value), "unit": "hours" if hours else "minutes"}


def _whole(value: float) -> float | int:
    return int(value) if value.is_integer() else value
