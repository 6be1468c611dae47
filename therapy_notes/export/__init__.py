"""Note exports: PDF, DOCX, Markdown, FHIR DocumentReference and plain text.

Each is a pure function of a `domain.document.NoteDocument`; services build the document
(after checking signatures) and the composition root writes the bytes where the user asks.
The formats themselves (names, file endings, paper sizes) are `domain.export_formats`.
"""
