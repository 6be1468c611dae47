"""The note as a FHIR R4 DocumentReference, for EHRs that import clinical documents.

The first attachment is the note as Markdown (base64); the PDF may follow. Each
attachment carries its size and SHA-1 hash, as FHIR's Attachment defines them.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from therapy_notes.domain.document import NoteDocument
from therapy_notes.domain.notes import SignatureRole
from therapy_notes.export.markdown import to_markdown

LOINC_PROGRESS_NOTE = {"system": "http://loinc.org", "code": "11506-3", "display": "Progress note"}
CLINICAL_NOTE_CATEGORY = {
    "system": "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category",
    "code": "clinical-note",
    "display": "Clinical Note",
}
SESSION_ID_SYSTEM = "urn:therapy-notes:session"


def _instant(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _attachment(data: bytes, content_type: str, title: str, created: datetime) -> dict[str, Any]:
    return {
        "contentType": content_type,
        "language": "en",
        "data": base64.b64encode(data).decode("ascii"),
        "size": len(data),
        "hash": base64.b64encode(hashlib.sha1(data).digest()).decode("ascii"),
        "title": title,
        "creation": _instant(created),
    }


def to_document_reference(doc: NoteDocument, *, pdf: bytes | None = None) -> dict[str, Any]:
    """A DocumentReference (R4) as a JSON-ready dict; `pdf` adds a second attachment."""
    author = next((s for s in doc.signatures if s.role is SignatureRole.AUTHOR), None)
    created = author.signed_at if author is not None else doc.session_date
    stem = f"session-{doc.session_id}-{doc.template_name}-note"
    resource: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "identifier": [{"system": SESSION_ID_SYSTEM, "value": str(doc.session_id)}],
        "status": "current",
        "docStatus": ("amended" if doc.addenda else "final") if doc.is_signed else "preliminary",
        "type": {"coding": [LOINC_PROGRESS_NOTE], "text": doc.title},
        "category": [{"coding": [CLINICAL_NOTE_CATEGORY]}],
        "date": _instant(created),
        "description": f"{doc.title} of {doc.session_day}",
        "content": [
            {
                "attachment": _attachment(
                    to_markdown(doc).encode("utf-8"), "text/markdown", f"{stem}.md", created
                )
            }
        ],
        "context": {"period": {"start": _instant(doc.session_date)}},
    }
    if doc.patient is not None:
        subject: dict[str, Any] = {"display": doc.patient.name}
        if doc.patient.identifier:
            subject["identifier"] = {"value": doc.patient.identifier}
        resource["subject"] = subject
    if doc.clinician:
        resource["author"] = [{"display": doc.clinician}]
    if author is not None:
        resource["authenticator"] = {"display": author.signature_name}
    if pdf is not None:
        resource["content"].append(
            {"attachment": _attachment(pdf, "application/pdf", f"{stem}.pdf", created)}
        )
    return resource


def to_fhir_json(doc: NoteDocument, *, pdf: bytes | None = None) -> bytes:
    """The DocumentReference as UTF-8 JSON text."""
    return json.dumps(to_document_reference(doc, pdf=pdf), indent=2, ensure_ascii=False).encode(
        "utf-8"
    )
