"""Which voice is the clinician: enrollment, the conversation, who spoke first, a swap."""

from __future__ import annotations

from therapy_notes.domain.session import SpeakerRole
from therapy_notes.domain.speakers import RolePolicy

CLINICIAN_LINES = [
    "How has your week been?",
    "Did you do your exercises?",
    "Can you lift your arm for me?",
    "You're doing well.",
    "Where is your pain today?",
    "I want you to ice it tonight.",
]
CLIENT_LINES = [
    "It was okay, I guess.",
    "My shoulder hurt most days.",
    "I did them twice.",
    "I think I overdid it on Sunday.",
    "About a four.",
    "I can try that.",
]


def test_the_first_voice_is_the_clinician_until_the_talk_says_otherwise() -> None:
    policy = RolePolicy()
    assert policy.role(0) is SpeakerRole.CLINICIAN
    assert policy.role(1) is SpeakerRole.CLIENT
    assert policy.role(None) is SpeakerRole.UNKNOWN


def test_questions_and_second_person_outweigh_who_spoke_first() -> None:
    policy = RolePolicy()
    for clinician, client in zip(CLINICIAN_LINES, CLIENT_LINES, strict=True):
        policy.observe(0, client)  # the client opened the session
        policy.observe(1, clinician)
    assert policy.clinician() == 1
    assert policy.role(0) is SpeakerRole.CLIENT


def test_too_little_talk_keeps_the_opener() -> None:
    policy = RolePolicy()
    policy.observe(0, CLIENT_LINES[0])
    policy.observe(1, CLINICIAN_LINES[0])
    assert policy.clinician() == 0


def test_enrollment_decides_and_a_swap_overrides() -> None:
    policy = RolePolicy(enrolled_clinician=1)
    assert policy.role(1) is SpeakerRole.CLINICIAN
    policy.swapped = True
    assert policy.role(1) is SpeakerRole.CLIENT
    assert policy.roles([0, 1, None]) == [
        SpeakerRole.CLINICIAN,
        SpeakerRole.CLIENT,
        SpeakerRole.UNKNOWN,
    ]
