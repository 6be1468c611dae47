"""The risk banner: one flagged risk at a time, until each acknowledgement is stored."""

from __future__ import annotations

from typing import Any

from therapy_notes.domain.notes import RiskFlag, RiskKind
from therapy_notes.ui.widgets.risk_banner import RiskBanner


def test_risk_banner_waits_for_each_acknowledgement(qtbot: Any) -> None:
    banner = RiskBanner()
    qtbot.addWidget(banner)
    banner.add_risk(RiskFlag(RiskKind.SELF_HARM, "thoughts of self harm", id=7))
    banner.add_risk(RiskFlag(RiskKind.FALL_RISK, "two falls", id=8))
    assert banner.isVisibleTo(banner.parentWidget() or banner)
    assert "Risk of self-harm" in banner.label.text()
    assert "1 more" in banner.label.text()
    with qtbot.waitSignal(banner.acknowledged, timeout=1000) as ack:
        banner.button.click()
    assert ack.args == [7]
    assert banner.pending_ids == [7, 8]  # stays until the acknowledgement is stored
    banner.remove(7)
    assert "Fall risk" in banner.label.text()
    banner.remove(8)
    assert banner.isHidden()
