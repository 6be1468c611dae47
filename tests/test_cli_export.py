"""`therapy-notes export`: files from an encrypted data folder, read back; tampering refused."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import docx
import pypdf
import pytest
from fhir.resources.R4B.documentreference import DocumentReference
from sqlalchemy import text

from tests.services.test_notes import ANA, RAE, Seeded, seed_session
from tests.unlocked import open_unlocked
from therapy_notes.cli import main, unlock_key
from therapy_notes.config import AppConfig
from therapy_notes.services.notes import NotesService
from therapy_notes.storage.signatures import signing_key_for


def _seed_signed(data_dir: Path, *, addenda: int = 0) -> Seeded:
    """A signed and co-signed note in the data folder's encrypted database."""
    config = AppConfig(data_dir=data_dir)
    key = unlock_key(config)  # sets the folder's key up, as the first run from a terminal does
    seeded = seed_session(config.db_path, open_unlocked)
    db = seeded.db

    async def sign() -> None:
        service = NotesService(db.uow_factory, signing_key=signing_key_for(config.db_path, key))
        await service.acknowledge_risk(ANA, seeded.session_id, seeded.risk_id)
        await service.sign(ANA, seeded.session_id)
        await service.cosign(RAE, seeded.session_id)
        for number in range(1, addenda + 1):
            await service.add_addendum(
                ANA, seeded.session_id, f"Reason {number}", f"Addendum text {number}."
            )

    asyncio.run(sign())
    return seeded


@pytest.fixture
def signed(data_dir: Path) -> Seeded:
    seeded = _seed_signed(data_dir)
    seeded.db.close()
    return seeded


def _export(data_dir: Path, session_id: int, *args: str) -> int:
    return main(["--data-dir", str(data_dir), "export", str(session_id), *args])


def _audit_actions(seeded: Seeded) -> list[tuple[str, str, str | None]]:
    db = open_unlocked(seeded.path)
    try:
        with db.uow_factory() as uow:
            return [
                (r.actor, r.action, r.after)
                for r in uow.audit.for_entity("session", seeded.session_id)
            ]
    finally:
        db.close()


def test_markdown_docx_and_fhir_files_are_written_and_audited(
    data_dir: Path, signed: Seeded, tmp_path: Path
) -> None:
    md, word, fhir = tmp_path / "n.md", tmp_path / "n.docx", tmp_path / "n.json"
    assert (
        _export(
            data_dir,
            signed.session_id,
            "--format",
            "md",
            "-o",
            str(md),
            "--clinic",
            "Harbor Rehab",
            "--transcript",
        )
        == 0
    )
    assert _export(data_dir, signed.session_id, "--format", "docx", "-o", str(word)) == 0
    assert _export(data_dir, signed.session_id, "--format", "fhir", "-o", str(fhir)) == 0

    markdown = md.read_text("utf-8")
    assert markdown.startswith("# Harbor Rehab\n")
    assert "- Reports left knee pain 6/10." in markdown
    assert "Electronically signed by Ana Ruiz, OTR/L" in markdown
    assert "Electronically co-signed by Rae Vo, PT, DPT" in markdown
    assert "My left knee hurts, six." in markdown  # --transcript
    texts = [p.text for p in docx.Document(io.BytesIO(word.read_bytes())).paragraphs]
    assert "Near fall on stairs this week." in texts
    assert any(t.startswith("Electronically signed by Ana Ruiz, OTR/L") for t in texts)
    resource = DocumentReference.model_validate(json.loads(fhir.read_text("utf-8")))
    assert resource.docStatus == "final"
    assert (resource.content[0].attachment.data or b"").startswith(b"## SOAP note")

    exports = [
        (actor, json.loads(after or "")["format"])
        for actor, action, after in _audit_actions(signed)
        if action == "exported"
    ]
    assert [f for _, f in exports] == ["md", "docx", "fhir"]
    assert all(actor.startswith("cli:") for actor, _ in exports)
    assert not list(tmp_path.glob("*.partial"))


def test_pdf_export_runs_headless_in_a_real_process(
    data_dir: Path, signed: Seeded, tmp_path: Path
) -> None:
    out = tmp_path / "note.pdf"
    fhir = tmp_path / "note.json"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")
    }
    base = ["--data-dir", str(data_dir), "export", str(signed.session_id)]
    runs = [
        [*base, "--format", "pdf", "-o", str(out), "--paper", "letter", "--transcript"],
        [*base, "--format", "fhir", "-o", str(fhir), "--with-pdf"],
    ]
    script = (
        "import json, sys; from therapy_notes.cli import main; "
        "sys.exit(max(main(argv) for argv in json.loads(sys.argv[1])))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, json.dumps(runs)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    reader = pypdf.PdfReader(out)
    assert [round(float(p.mediabox.width)) for p in reader.pages] == [612] * len(reader.pages)
    body = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert "Reports left knee pain 6/10." in body
    assert "Electronically signed by Ana Ruiz, OTR/L" in body
    assert "Appendix: transcript" in body
    attachments = json.loads(fhir.read_text("utf-8"))["content"]
    assert [a["attachment"]["contentType"] for a in attachments] == [
        "text/markdown",
        "application/pdf",
    ]
    assert base64.b64decode(attachments[1]["attachment"]["data"]).startswith(b"%PDF")


@pytest.mark.expected_log(
    "therapy_notes.services.note_access", "WARNING", match=r"^session \d+: signature check failed"
)
def test_tampered_signed_note_is_not_exported(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeded = _seed_signed(data_dir)
    with seeded.db.engine.begin() as connection:  # straight SQL, past every repository
        connection.execute(
            text("UPDATE note_entries SET text = 'No pain.' WHERE id = :id"),
            {"id": seeded.entry_ids[0]},
        )
    seeded.db.close()
    out = tmp_path / "note.md"

    assert _export(data_dir, seeded.session_id, "--format", "md", "-o", str(out)) == 1
    assert "no longer matches its signature" in capsys.readouterr().err
    assert not out.exists()
    audit = _audit_actions(seeded)
    mismatches = [
        json.loads(after or "") for _, action, after in audit if action == "signature_mismatch"
    ]
    assert [m["during"] for m in mismatches] == ["export:md"]
    assert "exported" not in [action for _, action, _ in audit]


ATTACKS = {
    "segment": (
        "UPDATE segments SET text = 'I never fell.' WHERE item_id = 'item_2'",
        "the transcript was changed",
    ),
    "patient": ("UPDATE patients SET name = 'Someone Else'", "the patient's identity changed"),
    "audit-delete": (
        "DELETE FROM audit_log WHERE action = 'risk_acknowledged'",
        "an audit record is missing or edited (record {risk_record})",
    ),
    "audit-edit": (
        "UPDATE audit_log SET actor = 'mallory' WHERE action = 'risk_acknowledged'",
        "an audit record is missing or edited (record {risk_record})",
    ),
    "signature-delete": (
        "DELETE FROM signatures",
        "the signature was removed from a note that the audit trail says was signed",
    ),
    "addendum": (
        "UPDATE addenda SET text = 'Never phoned.' WHERE reason = 'Reason 2'",
        "addendum 2 was changed",
    ),
}


@pytest.mark.expected_log(
    "therapy_notes.services.note_access", "WARNING", match=r"^session \d+: signature check failed"
)
@pytest.mark.parametrize("attack", list(ATTACKS))
def test_each_attack_with_raw_sql_is_named_and_the_export_refused(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], attack: str
) -> None:
    seeded = _seed_signed(data_dir, addenda=2)
    sql, finding = ATTACKS[attack]
    with seeded.db.engine.begin() as connection:  # straight SQL, past every repository
        risk_record = connection.execute(
            text("SELECT id FROM audit_log WHERE action = 'risk_acknowledged'")
        ).scalar_one()
        assert connection.execute(text(sql)).rowcount >= 1
    seeded.db.close()
    out = tmp_path / "note.md"

    assert _export(data_dir, seeded.session_id, "--format", "md", "-o", str(out)) == 1
    err = capsys.readouterr().err
    assert "no longer matches its signature" in err
    assert finding.format(risk_record=risk_record) in err
    assert not out.exists()
    assert "exported" not in [action for _, action, _ in _audit_actions(seeded)]


def test_an_untouched_amended_note_exports(data_dir: Path, tmp_path: Path) -> None:
    seeded = _seed_signed(data_dir, addenda=2)
    seeded.db.close()
    out = tmp_path / "note.md"
    assert _export(data_dir, seeded.session_id, "--format", "md", "-o", str(out)) == 0
    assert "Addendum text 2." in out.read_text("utf-8")


def test_unknown_session_is_a_clear_error(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unlock_key(AppConfig(data_dir=data_dir))
    open_unlocked(AppConfig(data_dir=data_dir).db_path).close()
    assert _export(data_dir, 999, "--format", "md", "-o", str(tmp_path / "x.md")) == 1
    assert "Session 999 does not exist" in capsys.readouterr().err
