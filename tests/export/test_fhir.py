"""FHIR R4 DocumentReference export, validated with fhir.resources' R4B models."""

from __future__ import annotations

import base64
import hashlib
import json

from fhir.resources.R4B.documentreference import DocumentReference

from therapy_notes.domain.document import NoteDocument
from therapy_notes.export.fhir import to_document_reference, to_fhir_json
from therapy_notes.export.markdown import to_markdown

from .conftest import make_document


def test_document_reference_validates_and_carries_the_markdown_note(
    document: NoteDocument,
) -> None:
    raw = json.loads(to_fhir_json(document))
    resource = DocumentReference.model_validate(raw)
    assert resource.status == "current"
    assert resource.docStatus == "amended"  # signed, then amended by an addendum
    assert resource.type is not None
    assert resource.type.coding is not None
    assert resource.type.coding[0].code == "11506-3"
    assert resource.subject is not None
    assert resource.subject.display == "Dana Reyes"
    assert resource.authenticator is not None
    assert resource.authenticator.display == "Ana Ruiz, OTR/L"
    assert resource.date is not None
    assert resource.date.isoformat().startswith("2026-03-04T15:30:00")
    assert len(resource.content) == 1
    attachment = resource.content[0].attachment
    assert attachment.contentType == "text/markdown"
    data = base64.b64decode(raw["content"][0]["attachment"]["data"], validate=True)
    assert data.decode("utf-8") == to_markdown(document)
    assert attachment.data == data  # the model decodes base64Binary
    assert attachment.size == len(data)
    assert attachment.hash == hashlib.sha1(data).digest()


def test_pdf_follows_as_second_attachment_and_a_draft_is_preliminary() -> None:
    pdf = b"%PDF-1.7 stand-in bytes"
    raw = to_document_reference(make_document(signed=False), pdf=pdf)
    resource = DocumentReference.model_validate(raw)
    assert resource.docStatus == "preliminary"
    assert resource.authenticator is None
    assert [c.attachment.contentType for c in resource.content] == [
        "text/markdown",
        "application/pdf",
    ]
    assert resource.content[1].attachment.data == pdf
    assert base64.b64decode(raw["content"][1]["attachment"]["data"]) == pdf
    assert raw["author"] == [{"display": "Ana Ruiz, OTR/L"}]
