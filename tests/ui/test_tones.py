"""Every colour pair the app sets itself is readable: WCAG AA contrast (4.5:1) or better."""

from __future__ import annotations

import pytest

from therapy_notes.ui.tones import TONES, contrast_ratio


def test_contrast_ratio_matches_wcag_reference_values() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("name", sorted(TONES))
def test_each_tone_has_readable_text_on_its_background(name: str) -> None:
    tone = TONES[name]
    assert contrast_ratio(tone.foreground, tone.background) >= 4.5
