"""The one place that chooses how the local engine runs: its own process, or a thread.

The window runs it in a process of its own, so the engine's Python work never takes the
window's GIL (`supervisor`, `process`). The command line has no window to keep smooth and
starts faster without a second interpreter, and a test that injects its own `EngineModels`
(fakes, or models loaded once for a whole run) needs them in this process, which a child
cannot receive: both get the thread engine (`background`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

# Light (multiprocessing and the app's errors): imported with this module, on the thread
# that imports it, never later beside a background import. The server is the child's.
from therapy_notes.engine.supervisor import EngineSupervisor

if TYPE_CHECKING:
    from therapy_notes.engine.turns import EngineModels


class RunningEngine(Protocol):
    """What a caller of the local engine uses, however it runs."""

    @property
    def url(self) -> str: ...

    @property
    def port(self) -> int: ...

    @property
    def token(self) -> str: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def wait_lost(self) -> str:
        """Wait until the engine has ended for good on its own; the message for the user."""
        ...


def local_engine(
    models: EngineModels | None = None,
    *,
    model_dir: Path | None = None,
    own_process: bool = True,
) -> RunningEngine:
    """The local engine, not yet started.

    In a supervised child process, unless `models` are given or `own_process` is False:
    then on a thread of this process.
    """
    if models is not None or not own_process:
        from therapy_notes.engine.background import BackgroundEngine

        return BackgroundEngine(models, model_dir=model_dir)
    return EngineSupervisor(model_dir=model_dir)
