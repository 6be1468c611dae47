"""The replay bookkeeping on its own: which audio a new connection is sent, in session time."""

from __future__ import annotations

from therapy_notes.realtime.replay import PACE_TURNS_AHEAD, REPLAY_CHUNK_BYTES, AudioReplay

BYTES_PER_MS = 48


def audio(start_ms: int, end_ms: int) -> bytes:
    """Audio whose every millisecond is told apart by its byte value (mod 251)."""
    return b"".join(bytes([ms % 251]) * BYTES_PER_MS for ms in range(start_ms, end_ms))


def sent(start_ms: int, end_ms: int) -> AudioReplay:
    replay = AudioReplay()
    replay.append(audio(start_ms, end_ms))
    return replay


def replayed(replay: AudioReplay) -> bytes:
    return b"".join(replay.chunks())


def test_session_time_counts_every_byte_appended() -> None:
    replay = AudioReplay()
    for _ in range(50):
        replay.append(audio(0, 20))
    assert replay.session_audio_ms == 1000
    replay.append(b"\0" * 47)  # less than a millisecond
    assert replay.session_audio_ms == 1000


def test_a_transcribed_turn_drops_its_audio_and_a_reconnect_replays_the_rest_exactly() -> None:
    replay = sent(0, 3000)
    replay.speech_started("a", 100)
    replay.speech_stopped("a", 500)
    replay.speech_started("b", 800)

    span = replay.transcribed("a")

    assert (span.start_ms, span.end_ms, span.seconds) == (100, 500, 0.4)
    assert replay.kept_start_ms == 500  # "b" starts later; nothing before "a"'s end is needed
    assert replayed(replay) == audio(500, 3000)
    replay.start_connection()
    assert replay.untranscribed == 0  # the new connection knows no turns
    assert replayed(replay) == audio(500, 3000), "a reconnect drops no audio"
    # The new connection counts from the first byte it is sent: session ms 500.
    assert replay.speech_started("b2", 300) == 800
    assert replay.speech_stopped("b2", 700) == 1200


def test_audio_is_kept_from_the_earliest_turn_still_waiting_for_its_transcript() -> None:
    replay = sent(0, 2000)
    replay.speech_started("a", 200)
    replay.speech_stopped("a", 600)
    replay.speech_started("b", 900)
    replay.speech_stopped("b", 1300)

    replay.transcribed("b")  # out of order: "a" still needs its audio
    assert replay.kept_start_ms == 200
    assert replayed(replay) == audio(200, 2000)

    replay.transcribed("a")
    assert replay.kept_start_ms == 1300  # the latest transcribed end
    assert replayed(replay) == audio(1300, 2000)


def test_the_kept_start_never_moves_back() -> None:
    replay = sent(0, 2000)
    replay.speech_started("a", 0)
    replay.speech_stopped("a", 1000)
    replay.transcribed("a")
    assert replay.kept_start_ms == 1000
    replay.speech_started("late", 400)  # a stale start before the kept audio
    replay.speech_stopped("late", 700)
    replay.transcribed("late")
    assert replay.kept_start_ms == 1000
    assert replayed(replay) == audio(1000, 2000)


def test_a_failed_transcription_frees_audio_only_up_to_what_is_already_done() -> None:
    replay = sent(0, 2000)
    replay.speech_started("a", 0)
    replay.speech_stopped("a", 400)
    replay.transcribed("a")
    replay.speech_started("b", 600)  # never ends
    replay.forget("b")
    assert replay.untranscribed == 0
    assert replay.kept_start_ms == 400, "an unended turn moves no transcribed end"


def test_the_replay_is_sent_in_one_second_pieces_in_order() -> None:
    replay = sent(0, 2500)
    chunks = list(replay.chunks())
    assert [len(c) for c in chunks] == [REPLAY_CHUNK_BYTES, REPLAY_CHUNK_BYTES, 24_000]
    assert chunks[1] == audio(1000, 2000)
    assert list(AudioReplay().chunks()) == []


def test_committing_a_turn_still_spoken_ends_it_at_the_audio_sent_so_far() -> None:
    replay = sent(0, 1500)
    replay.speech_started("a", 300)
    span = replay.committed("a")
    assert (span.start_ms, span.end_ms) == (300, 1500)
    assert replay.speaking == 0
    assert replay.ended == 1
    replay.append(audio(1500, 2000))
    assert replay.transcribed("a").end_ms == 1500, "the commit fixed its end"


def test_turns_the_connection_never_announced_start_at_the_last_transcribed_end() -> None:
    replay = sent(0, 1000)
    replay.speech_started("a", 100)
    replay.speech_stopped("a", 400)
    replay.transcribed("a")

    stopped = replay.speech_stopped("x", 700)  # no speech_started for "x"
    assert stopped == 700
    assert (replay.committed("x").start_ms, replay.committed("x").end_ms) == (400, 700)
    committed = replay.committed("y")  # neither started nor stopped
    assert (committed.start_ms, committed.end_ms) == (400, 1000)
    unknown = replay.transcribed("z")  # a transcript for a turn never seen
    assert (unknown.start_ms, unknown.end_ms) == (400, 1000)
    assert sorted(replay.untranscribed_ids) == ["x", "y"]


def test_turn_counts_and_pacing() -> None:
    replay = sent(0, 10_000)
    for n in range(PACE_TURNS_AHEAD - 1):
        replay.speech_started(f"t{n}", n * 1000)
        replay.speech_stopped(f"t{n}", n * 1000 + 500)
    replay.speech_started("speaking", 9000)
    assert (replay.untranscribed, replay.speaking, replay.ended) == (PACE_TURNS_AHEAD, 1, 3)
    assert not replay.is_ahead
    replay.speech_stopped("speaking", 9500)
    assert replay.is_ahead
    replay.transcribed("t0")
    assert not replay.is_ahead
    assert "t0" not in replay.untranscribed_ids
