"""Runtime hook: stand in for PyAV, which the frozen app leaves out (about 100 MB).

faster-whisper imports `av` at import time but uses it only to decode compressed audio
files. Therapy Notes hands it 16 kHz sample arrays and reads WAV files itself, so PyAV is
never called; this placeholder lets the import succeed and fails clearly if that changes.
"""

import sys
import types


class _PyAvAbsent(types.ModuleType):
    def __getattr__(self, name: str) -> object:
        if name.startswith("__"):
            raise AttributeError(name)
        raise ImportError(
            f"av.{name}: decoding compressed audio with PyAV is not part of this build "
            "of Therapy Notes (it reads WAV files itself)"
        )


sys.modules.setdefault("av", _PyAvAbsent("av"))
