"""Note tools and instructions are generated from the template, not hard-coded."""

from __future__ import annotations

from therapy_notes.domain import tools
from therapy_notes.domain.notes import NoteTemplate, RiskKind, TemplateSection
from therapy_notes.domain.patients import PatientProfile

TEMPLATE = NoteTemplate(
    "dap",
    "DAP",
    "Data, Assessment, Plan.",
    (
        TemplateSection("data", "Data", "What was said and seen.", ("Reports poor sleep.",)),
        TemplateSection("assessment", "Assessment", "Clinical impression."),
        TemplateSection("plan", "Plan", "Next steps."),
    ),
)


def schemas_by_name() -> dict[str, dict[str, object]]:
    return {s["name"]: s for s in tools.tool_schemas(TEMPLATE)}


def test_the_four_note_tools_are_function_tools() -> None:
    schemas = schemas_by_name()
    assert set(schemas) == {
        tools.ADD_NOTE_ENTRIES,
        tools.RECORD_MEASUREMENT,
        tools.FLAG_RISK,
        tools.GET_PATIENT_PROFILE,
    }
    assert all(s["type"] == "function" for s in schemas.values())


def test_sections_enum_comes_from_the_template() -> None:
    params = tools.tool_schemas(TEMPLATE)[0]["parameters"]
    entry = params["properties"]["entries"]["items"]
    assert entry["properties"]["section"]["enum"] == ["data", "assessment", "plan"]
    assert entry["required"] == ["section", "text"]


def test_risk_and_measurement_enums() -> None:
    schemas = schemas_by_name()
    risk = schemas[tools.FLAG_RISK]["parameters"]
    assert risk["properties"]["kind"]["enum"] == [k.value for k in RiskKind]  # type: ignore[index]
    measure = schemas[tools.RECORD_MEASUREMENT]["parameters"]
    assert "pain_score" in measure["properties"]["kind"]["enum"]  # type: ignore[index]


def test_instructions_carry_the_sections_and_the_profile() -> None:
    profile = PatientProfile(7, "A. Patient", ("low back pain",), ("walk 1 km",), ())
    text = tools.session_instructions(TEMPLATE, profile)
    assert "- data (Data): What was said and seen." in text
    assert "e.g. Reports poor sleep." in text
    assert "Patient diagnoses: low back pain." in text
    assert "Precautions: none recorded." in text
    assert "A. Patient" not in text, "the model needs no patient name"
    assert "Patient" not in tools.session_instructions(TEMPLATE)
