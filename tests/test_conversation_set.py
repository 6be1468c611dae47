"""Checks of the conversation test set itself: its files, its coverage and its scorers.

A benchmark whose labels or scorers are wrong measures nothing, so the scorers are tested
on small hand-made cases where the right answer is obvious, and the set is checked for the
coverage it promises (disciplines, splits, stated and denied risks, durations).
"""

from __future__ import annotations

import itertools
import json
import re
import wave
from collections import Counter

import pytest

from tests.conversation_set import (
    AUDIO_DIR,
    TEXT_SESSIONS_DIR,
    ConversationSession,
    Measurement,
    PlanItem,
    Risk,
    TurnTime,
    audio_duration_s,
    audio_path,
    body_parts_match,
    is_verbatim,
    load_sessions,
    load_text_sessions,
    plan_entry_covers,
    score_measurements,
    score_plan,
    score_risks,
    speaker_accuracy,
    transcript_sentences,
    true_turn_times,
)

SESSIONS = load_sessions()
MAIN = [s for s in SESSIONS if s.split != "pressure"]
TEXT_SESSIONS = load_text_sessions()


# --- the set ------------------------------------------------------------------------------


def test_set_covers_every_discipline_in_both_splits() -> None:
    assert len(MAIN) >= 12
    by_discipline = Counter(s.discipline for s in MAIN)
    assert all(by_discipline[d] >= 3 for d in ("ot", "pt", "speech", "psych"))
    for d in by_discipline:
        assert {s.split for s in MAIN if s.discipline == d} == {"dev", "heldout"}, d
    splits = Counter(s.split for s in MAIN)
    assert abs(splits["dev"] - splits["heldout"]) <= 2
    assert len({s.template for s in MAIN}) == 4
    assert len({s.id for s in SESSIONS}) == len(SESSIONS)


def test_risk_coverage() -> None:
    stated = [s for s in MAIN if any(r.status == "stated" for r in s.risks)]
    denied = [s for s in MAIN if any(r.status == "denied" for r in s.risks)]
    assert len(stated) >= 5
    assert len(denied) >= 4
    last_turn_risk = [
        s
        for s in SESSIONS
        if any(r.turn == len(s.turns) - 1 and r.status == "stated" for r in s.risks)
        and s.turns[-1].speaker == "client"
    ]
    assert any(s.split != "pressure" for s in last_turn_risk)
    assert any(s.id == "risk_last_turn" and s.split == "pressure" for s in last_turn_risk)
    assert sum(s.turns[0].speaker == "client" for s in MAIN) >= 2


@pytest.mark.parametrize("session", SESSIONS, ids=lambda s: s.id)
def test_session_is_well_formed(session: ConversationSession) -> None:
    assert {t.speaker for t in session.turns} == {"clinician", "client"}
    for r in session.risks:
        assert 0 <= r.turn < len(session.turns)
        # Risks are said by the client (a disclosure, or the answer to a screening question).
        assert session.turns[r.turn].speaker == "client"
    words = sum(len(t.text.split()) for t in session.turns)
    if session.split != "pressure":
        assert 150 <= words <= 280
        assert any(not m.earlier for m in session.measurements)
        assert session.plan


@pytest.mark.parametrize("session", SESSIONS, ids=lambda s: s.id)
def test_audio_matches_the_session(session: ConversationSession) -> None:
    path = audio_path(session)
    assert path.exists()
    with wave.open(str(path), "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (16_000, 1, 2)
    duration = audio_duration_s(path)
    if session.split == "pressure":
        assert 15 <= duration <= 35
    else:
        assert 60 <= duration <= 110
    times = true_turn_times(session)
    assert [t.speaker for t in times] == [t.speaker for t in session.turns]
    assert all(t.start_ms < t.end_ms for t in times)
    assert all(a.end_ms <= b.start_ms for a, b in itertools.pairwise(times))
    assert times[-1].end_ms <= duration * 1000


def test_clinician_voice_alternates_and_folder_is_small() -> None:
    voices = Counter(
        json.loads((AUDIO_DIR / f"{s.id}.turns.json").read_text())["voices"]["clinician"]
        for s in MAIN
    )
    assert len(voices) == 2
    assert min(voices.values()) >= len(MAIN) // 2 - 1
    size = sum(p.stat().st_size for p in AUDIO_DIR.iterdir())
    assert size < 35_000_000


def test_load_sessions_filters_and_rejects_unknown_split() -> None:
    assert all(s.split == "heldout" for s in load_sessions("heldout"))
    assert len(load_sessions("dev")) + len(load_sessions("heldout")) == len(MAIN)
    with pytest.raises(ValueError, match="unknown split"):
        load_sessions("train")


# --- scorers ------------------------------------------------------------------------------

KNEE = [
    Measurement("range_of_motion", 110, "degrees", "knee", "right", earlier=False),
    Measurement("range_of_motion", 95, "degrees", "knee", "right", earlier=True),
    Measurement("pain_score", 4, "/10", "knee", "right", earlier=False),
    Measurement("other", 14, "points", "", "", earlier=False, name="phq9"),
]


def _m(kind: str, value: object, body_part: str = "", side: str = "") -> dict[str, object]:
    return {"kind": kind, "value": value, "unit": "", "body_part": body_part, "side": side}


def test_measurements_all_found() -> None:
    got = [
        _m("range_of_motion", 110.0, "the right knee", "right"),
        _m("pain_score", "4", "Knee", "right"),
        _m("other", 14),
    ]
    assert score_measurements(KNEE, got) == (3, 0, 0)


def test_earlier_value_recorded_is_a_false_positive() -> None:
    got = [_m("range_of_motion", 95, "knee", "right"), _m("pain_score", 4, "knee", "right")]
    assert score_measurements(KNEE, got) == (1, 1, 2)


def test_wrong_side_body_part_kind_or_value_do_not_match() -> None:
    got = [
        _m("range_of_motion", 110, "knee", "left"),
        _m("range_of_motion", 110, "shoulder", "right"),
        _m("strength_grade", 4, "knee", "right"),
        _m("pain_score", 4.5, "knee", "right"),
    ]
    assert score_measurements(KNEE, got) == (0, 4, 3)


def test_a_label_is_matched_once_and_close_values_match() -> None:
    got = [_m("pain_score", 4.004, "knee", "right"), _m("pain_score", 4, "knee", "right")]
    assert score_measurements(KNEE, got) == (1, 1, 2)


def test_empty_label_side_or_body_part_accepts_anything() -> None:
    labels = [Measurement("distance", 150, "feet", "", "", earlier=False)]
    assert score_measurements(labels, [_m("distance", 150, "hallway", "left")]) == (1, 0, 0)
    assert body_parts_match("quadriceps", "right quad")
    assert body_parts_match("lower back", "back")
    assert not body_parts_match("knee", "hip")
    assert not body_parts_match("knee", "")
    assert body_parts_match("quadriceps|knee", "right knee")
    assert not body_parts_match("quadriceps|knee", "hip flexors")


def test_numbers_in_text_and_aliases() -> None:
    labels = [
        Measurement("strength_grade", 4, "/5", "hand", "right", earlier=False),
        Measurement("assistance_level", 25, "percent", "", "", False, aliases=("min assist",)),
    ]
    got = [_m("strength_grade", "4/5", "hand", "right"), _m("assistance_level", "Min assist")]
    assert score_measurements(labels, got) == (2, 0, 0)
    assert score_measurements(labels, [_m("strength_grade", "4+ of 5", "hand", "right")]) == (
        0,
        1,
        2,
    )
    assert score_measurements(labels, [_m("assistance_level", "")]) == (0, 1, 2)


def test_text_values_compare_normalised() -> None:
    labels = [Measurement("assistance_level", "Min assist", "", "", "", earlier=False)]
    assert score_measurements(labels, [_m("assistance_level", "min assist.")]) == (1, 0, 0)
    assert score_measurements(labels, [_m("assistance_level", "mod assist")]) == (0, 1, 1)


RISKS = [
    Risk("self_harm", "stated", 11),
    Risk("self_harm", "denied", 13),
    Risk("harm_to_others", "denied", 15),
]


def test_risks_stated_flagged_and_no_flag_on_denial() -> None:
    result = score_risks(RISKS, ["self_harm", "self_harm"], ["Client denies homicidal ideation."])
    assert result == {
        "stated_total": 1,
        "stated_flagged": 1,
        "denied_total": 1,
        "flags_on_denials": 0,
        "unlabelled_flags": 0,
        "denials_documented": 1,
    }


def test_risk_flag_built_from_a_denial_and_missed_risk() -> None:
    result = score_risks(
        RISKS, ["harm_to_others", "fall_risk"], ["Client denies suicidal ideation."]
    )
    assert result["stated_flagged"] == 0
    assert result["flags_on_denials"] == 1
    assert result["unlabelled_flags"] == 1
    # A denial of a different risk does not document the harm-to-others denial.
    assert result["denials_documented"] == 0


def test_fall_denial_documented_only_with_a_negation() -> None:
    falls = [Risk("fall_risk", "denied", 7)]
    assert score_risks(falls, [], ["No falls since last visit."])["denials_documented"] == 1
    assert score_risks(falls, [], ["Reviewed falls at home."])["denials_documented"] == 0


PLAN = [
    PlanItem("putty three times a day", ("putty", "three times|3 times|3x")),
    PlanItem("refer to ENT", ("ent|otolaryngolog",)),
    PlanItem("next visit Tuesday", ("tuesday",)),
]


def test_plan_items_found_and_extra_entries_counted() -> None:
    entries = [
        "Putty exercises 3x daily; return Tuesday.",
        "Continue current plan.",
        "",
        "   ",
    ]
    assert score_plan(PLAN, entries) == (2, 1, 1)


def test_plan_keyword_needs_every_group_and_short_words_whole() -> None:
    entries = ["Putty exercises daily.", "Discussed the patient's entire program with ice."]
    assert score_plan(PLAN, entries) == (0, 2, 3)
    assert score_plan(PLAN, ["Refer to ENT for scope."]) == (1, 0, 2)
    assert score_plan(PLAN, ["Referral to otolaryngology."]) == (1, 0, 2)


def test_speaker_accuracy_by_largest_overlap() -> None:
    turns = [
        TurnTime(0, "clinician", 0, 2000),
        TurnTime(1, "client", 2500, 4000),
        TurnTime(2, "clinician", 4300, 6000),
    ]
    segments = [
        (0, 2100, "clinician"),  # right
        (1900, 3900, "client"),  # mostly the client's turn: right
        (3800, 6000, "client"),  # mostly the clinician's turn: wrong
        (7000, 7500, "clinician"),  # overlaps nothing: wrong
        (4400, 5000, "unknown"),  # wrong
    ]
    assert speaker_accuracy(turns, segments) == pytest.approx(2 / 5)
    assert speaker_accuracy(turns, []) == 0.0


def test_is_verbatim_strips_role_phrase_and_punctuation() -> None:
    sentences = ["Maybe a three.", "It was more like a five when I came in last Tuesday."]
    assert is_verbatim("Client reports: maybe a three", sentences)
    assert is_verbatim(
        "the client states that it was more like a five when I came in last Tuesday", sentences
    )
    assert not is_verbatim("Pain 3/10 in the right wrist, down from 5/10.", sentences)
    assert not is_verbatim("Client reports", sentences)


def test_transcript_sentences_split_turns() -> None:
    session = next(s for s in SESSIONS if s.id == "ot_wrist_fracture")
    sentences = transcript_sentences(session)
    assert "Maybe a three." in sentences
    assert len(sentences) > len(session.turns)


@pytest.mark.parametrize("session", MAIN, ids=lambda s: s.id)
def test_every_plan_item_is_spoken_and_describes_itself(session: ConversationSession) -> None:
    # Catches keyword typos: a keyword group that its own description or the words actually
    # said in the session cannot satisfy would make the item impossible to find.
    for item in session.plan:
        assert plan_entry_covers(item, item.item), item
        assert any(plan_entry_covers(item, t.text) for t in session.turns), item


@pytest.mark.parametrize("session", MAIN, ids=lambda s: s.id)
def test_labels_score_perfectly_against_themselves(session: ConversationSession) -> None:
    today = [m for m in session.measurements if not m.earlier]
    got = [
        {
            "kind": m.kind,
            "value": m.value,
            "unit": m.unit,
            "body_part": m.body_part.split("|")[-1],
            "side": m.side,
        }
        for m in today
    ]
    assert score_measurements(session.measurements, got) == (len(today), 0, 0)
    assert score_plan(session.plan, [p.item for p in session.plan]) == (len(session.plan), 0, 0)


# --- the text set -------------------------------------------------------------------------


def _sentence_key(sentence: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", "", sentence.lower()).split())


def test_every_text_session_file_loads() -> None:
    files = sorted(TEXT_SESSIONS_DIR.glob("*.json"))
    assert files
    assert [p.stem for p in files] == [s.id for s in TEXT_SESSIONS]
    assert not {s.id for s in TEXT_SESSIONS} & {s.id for s in SESSIONS}
    assert not any((AUDIO_DIR / f"{s.id}.wav").exists() for s in TEXT_SESSIONS)


def test_text_set_has_twelve_dev_and_twelve_heldout_sessions() -> None:
    assert Counter(s.split for s in TEXT_SESSIONS) == {"dev": 12, "heldout": 12}
    for discipline in ("ot", "pt", "speech", "psych"):
        splits = Counter(s.split for s in TEXT_SESSIONS if s.discipline == discipline)
        assert splits == {"dev": 3, "heldout": 3}, discipline
    for split in ("dev", "heldout"):
        templates = Counter(s.template for s in TEXT_SESSIONS if s.split == split)
        assert templates == {"soap": 3, "dap": 3, "birp": 3, "girp": 3}, split


def test_text_set_risk_coverage() -> None:
    stated = [s for s in TEXT_SESSIONS if any(r.status == "stated" for r in s.risks)]
    denied_only = [
        s for s in TEXT_SESSIONS if s.risks and all(r.status == "denied" for r in s.risks)
    ]
    assert len(stated) >= 4
    assert len(denied_only) >= 4
    for split in ("dev", "heldout"):
        assert any(s.split == split for s in stated), split
        assert any(s.split == split for s in denied_only), split
    assert any(r.status == "stated" and r.turn == len(s.turns) - 1 for s in stated for r in s.risks)
    assert {s.discipline for s in stated} > {"psych"}
    assert sum(s.turns[0].speaker == "client" for s in TEXT_SESSIONS) >= 2


def test_text_split_follows_the_id_number() -> None:
    # Fixed before any session was written: <discipline>_<nn>_<topic>, odd nn is dev.
    for s in TEXT_SESSIONS:
        discipline, number, _ = s.id.split("_", 2)
        assert discipline == s.discipline, s.id
        assert s.split == ("dev" if int(number) % 2 else "heldout"), s.id


def test_load_text_sessions_filters_and_rejects_unknown_split() -> None:
    dev = load_text_sessions("dev")
    assert dev
    assert all(s.split == "dev" for s in dev)
    assert len(dev) + len(load_text_sessions("heldout")) == len(TEXT_SESSIONS)
    with pytest.raises(ValueError, match="unknown split"):
        load_text_sessions("pressure")


@pytest.mark.parametrize("session", TEXT_SESSIONS, ids=lambda s: s.id)
def test_text_session_is_well_formed(session: ConversationSession) -> None:
    assert 14 <= len(session.turns) <= 30
    assert {t.speaker for t in session.turns} == {"clinician", "client"}
    assert all(t.kind is not None for t in session.turns)
    assert any(not m.earlier for m in session.measurements)
    assert session.plan


@pytest.mark.parametrize("session", TEXT_SESSIONS, ids=lambda s: s.id)
def test_text_labels_refer_to_real_turns(session: ConversationSession) -> None:
    n = len(session.turns)
    for r in session.risks:
        assert 0 <= r.turn < n
        assert session.turns[r.turn].speaker == "client", r
    for m in session.measurements:
        assert m.turn is not None, m
        assert 0 <= m.turn < n, m
    for item in session.plan:
        assert item.turn is not None, item
        assert 0 <= item.turn < n, item
        # The labelled turn says the item: its keywords are all in that turn's words.
        assert plan_entry_covers(item, session.turns[item.turn].text), item
        assert plan_entry_covers(item, item.item), item


@pytest.mark.parametrize("session", TEXT_SESSIONS, ids=lambda s: s.id)
def test_text_labels_score_perfectly_against_themselves(session: ConversationSession) -> None:
    today = [m for m in session.measurements if not m.earlier]
    got = [
        {"kind": m.kind, "value": m.value, "body_part": m.body_part.split("|")[0], "side": m.side}
        for m in today
    ]
    assert score_measurements(session.measurements, got) == (len(today), 0, 0)
    assert score_plan(session.plan, [p.item for p in session.plan]) == (len(session.plan), 0, 0)


def test_no_text_session_repeats_a_sentence_of_the_audio_set() -> None:
    # Short stock replies ("Okay.", "Thank you.") are everyone's words; longer sentences
    # must be new, so the text set is not the audio set said again.
    audio = {_sentence_key(x) for s in SESSIONS for x in transcript_sentences(s)}
    repeated = [
        (s.id, x)
        for s in TEXT_SESSIONS
        for x in transcript_sentences(s)
        if len(x.split()) >= 3 and _sentence_key(x) in audio
    ]
    assert repeated == []
