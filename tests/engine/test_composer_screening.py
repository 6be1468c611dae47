"""Risk: screening replies of either polarity, and a clinician's reasoning about risk."""

from __future__ import annotations

from tests.engine.composer_calls import composed, flagged, texts


def test_feeling_safe_at_home_is_a_denial_not_a_flag() -> None:
    calls = composed(
        ("Clinician", "Who helps you at home, and do you feel safe there?"),
        ("Client", "My son stops by most evenings. Yes, I feel safe."),
    )
    assert flagged(calls) == []
    assert any("denies abuse" in t for t in texts(calls, "assessment"))


def test_not_feeling_safe_at_home_is_flagged() -> None:
    calls = composed(
        ("Clinician", "Do you feel safe where you're living?"),
        ("Client", "Not really. He gets loud and throws things when he drinks."),
    )
    assert flagged(calls) == ["abuse_or_neglect"]


def test_a_clinicians_reasoning_about_preventing_falls_is_no_flag() -> None:
    for said in (
        "That time is in the range where I'd be concerned about falls, so we'll keep at it.",
        "These exercises help prevent falls on the stairs.",
        "Wide steps on the turns will lower your risk of a fall.",
    ):
        assert flagged(composed(("Clinician", said))) == [], said


def test_a_fall_the_clinician_reports_is_still_flagged() -> None:
    assert flagged(composed(("Clinician", "She fell twice in the bathroom last month."))) == [
        "fall_risk"
    ]


def test_a_screen_answered_in_a_later_sentence_of_the_reply() -> None:
    calls = composed(
        ("Clinician", "How are things with your partner, and has anyone hurt you?"),
        ("Client", "We argue about money. But no, nobody has ever hurt me."),
    )
    assert flagged(calls) == []
    assert any("denies abuse" in t for t in texts(calls, "assessment"))
