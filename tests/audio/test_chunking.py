import pytest

from therapy_notes.audio.chunking import ChunkFramer, chunk_bytes_for


def test_chunk_bytes_for_default_and_other_sizes():
    assert chunk_bytes_for(100) == 4800
    assert chunk_bytes_for(20) == 960
    with pytest.raises(ValueError):
        chunk_bytes_for(0)


def test_framer_hands_out_exact_chunks_and_keeps_the_rest():
    framer = ChunkFramer(4)
    assert framer.push(b"abc") == []
    assert framer.push(b"defghij") == [b"abcd", b"efgh"]
    assert framer.push(b"k") == []
    assert framer.flush() == b"ijk"
    assert framer.flush() == b""


def test_framer_rejects_odd_sizes():
    with pytest.raises(ValueError):
        ChunkFramer(3)
