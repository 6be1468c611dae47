"""Local agreement: only words two hypotheses in a row agree on are sent, append-only."""

from __future__ import annotations

from therapy_notes.engine.word_agreement import LocalAgreement, normalise_word


def test_a_word_is_sent_once_two_hypotheses_agree_on_it() -> None:
    words = LocalAgreement()
    assert words.agree("Pain is") is None
    assert words.tentative() == "Pain is"
    assert words.agree("Pain is about") == "Pain is"
    assert words.tentative() == "about"
    assert words.agree("Pain is about six") == " about"
    assert words.emitted_words == ["Pain", "is", "about"]


def test_agreement_ignores_case_and_punctuation_but_never_revises_what_was_sent() -> None:
    words = LocalAgreement()
    words.agree("Okay, the knee")
    assert words.agree("okay the knee hurts") == "okay the knee"
    # A hypothesis that rewrites sent words sends nothing (the client cannot take them back).
    assert words.agree("Oh, the knee hurts") is None
    assert words.agree("Okay the knee hurts today") is None
    assert words.emitted_words == ["okay", "the", "knee"]


def test_the_final_sends_the_rest_without_a_second_look() -> None:
    words = LocalAgreement()
    words.agree("Sleep was")
    words.agree("Sleep was poor")
    assert words.agree("Sleep was poor this week.", is_final=True) == " poor this week."
    assert normalise_word("Week.") == "week"
