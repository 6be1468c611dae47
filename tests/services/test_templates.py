"""Bundled note templates load from data files; an unknown name says what exists."""

from __future__ import annotations

import pytest

from therapy_notes.errors import UserFacingError
from therapy_notes.services.templates import available_templates, load_template


def test_the_bundled_templates_are_listed() -> None:
    assert {"soap", "dap", "birp", "girp", "dictation"} <= set(available_templates())


@pytest.mark.parametrize("name", ["soap", "dap", "birp", "girp", "dictation"])
def test_every_template_has_unique_sections_with_guidance(name: str) -> None:
    template = load_template(name)
    assert template.name == name
    assert template.title
    keys = template.section_keys
    assert keys
    assert len(set(keys)) == len(keys)
    assert all(s.guidance for s in template.sections)


def test_soap_has_its_four_sections_in_order() -> None:
    assert load_template("SOAP").section_keys == ("subjective", "objective", "assessment", "plan")


def test_an_unknown_template_names_the_choices() -> None:
    with pytest.raises(UserFacingError, match=r"no note template called 'nope'.*soap"):
        load_template("nope")
