"""The one way to build realtime links, for the window, the command line and the self-test.

Each composition root used to build its own, and they had drifted (one forgot the cloud's
rollover, one the clinic's certificate authority). The openai SDK is imported only when
the first link is built, so a start-up that never records never pays for it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from therapy_notes.domain.link import LinkSettings

if TYPE_CHECKING:
    from therapy_notes.realtime.connection import RealtimeConnection


def link_factory(
    url: str, api_key: str, *, is_cloud: bool, ca_file: Path | None = None
) -> Callable[[LinkSettings], RealtimeConnection]:
    """Builds realtime links to `url`; cloud sessions roll over before their 60 minutes.

    `api_key` is the credential chosen for `url` (`domain.engine_url.credential_for`);
    `ca_file` trusts a clinic engine's own certificate authority.
    """
    from therapy_notes.realtime.connection import CLOUD_ROLLOVER_S, RealtimeConnection
    from therapy_notes.realtime.tls import engine_ssl_context

    ssl_context = engine_ssl_context(ca_file)

    def factory(settings: LinkSettings) -> RealtimeConnection:
        return RealtimeConnection(
            settings,
            base_url=url,
            api_key=api_key,
            ssl_context=ssl_context,
            rollover_after_s=CLOUD_ROLLOVER_S if is_cloud else None,
        )

    return factory
