"""Note templates, read from the data files under `resources/templates/`."""

from __future__ import annotations

import json
from functools import cache

from therapy_notes.domain.notes import NoteTemplate, TemplateSection
from therapy_notes.errors import UserFacingError
from therapy_notes.resource_paths import resource_path


@cache
def available_templates() -> tuple[str, ...]:
    """Names of the bundled templates, e.g. ("birp", "dap", "dictation", "girp", "soap")."""
    folder = resource_path("templates")
    return tuple(
        sorted(p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json"))
    )


@cache
def load_template(name: str) -> NoteTemplate:
    """The template called `name` (case-insensitive)."""
    key = name.lower()
    if key not in available_templates():
        raise UserFacingError(
            f"There is no note template called {name!r}. "
            f"Choose one of: {', '.join(available_templates())}."
        )
    text = resource_path("templates", f"{key}.json").read_text("utf-8")
    data = json.loads(text)
    return NoteTemplate(
        name=data["name"],
        title=data["title"],
        description=data["description"],
        sections=tuple(
            TemplateSection(s["key"], s["title"], s["guidance"], tuple(s.get("examples", ())))
            for s in data["sections"]
        ),
    )
