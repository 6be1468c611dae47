"""Note review, sign-off, co-signature, addenda and export views: the note's lifecycle.

Every change goes to the audit trail under the note's session (entity "session"), with
the user, the time, and the entry before and after as JSON. Once the author signs, the
note is read-only here and in storage; later changes are addenda. A risk is acknowledged
only here, from the review or from the window's risk banner (live too), so each
acknowledgement is checked and audited the same way, once ("risk_acknowledged"). The
clinician's own field of the live or reopened note is stored here too, as they type
(`save_clinician_text`); it is not audited, as it never was before review.

Signatures are keyed (`domain.signing`): an HMAC under the `SigningKey` the composition
root derives from the database key, over the note, its transcript, the patient's identity,
the signer and time, and the audit chain head. Each time a note is opened, co-signed,
amended or exported the signatures, the addenda chain and the audit hash chain are checked,
and whatever no longer verifies is reported in words ("entry 12 in Assessment was changed
after signing", "an audit record is missing or edited (record 40)") and audited. The audit
trail also remembers that a note was signed, so deleting its signature rows is noticed.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from typing import TypeVar

from therapy_notes.domain.audit import AuditRecord, anchor_findings, chain_findings
from therapy_notes.domain.document import NoteDocument, build_document
from therapy_notes.domain.notes import (
    Addendum,
    EntrySource,
    Note,
    NoteEntry,
    NoteTemplate,
    Signature,
    SignatureRole,
)
from therapy_notes.domain.patients import Patient
from therapy_notes.domain.session import Segment, SessionRecord, SessionStatus
from therapy_notes.domain.sign_off import NOT_A_CLINICIAN, sign_off_check
from therapy_notes.domain.signing import (
    SignedContent,
    SigningKey,
    addendum_mac,
    addendum_sha256,
    chain_value,
    check_addenda,
    check_signature,
    content_sha256,
    sign_note,
    signature_label,
    signed_audit_head,
)
from therapy_notes.domain.users import Role, User
from therapy_notes.errors import (
    EditConflictError,
    NoteLockedError,
    PermissionDeniedError,
    SignatureMismatchError,
    UserFacingError,
)
from therapy_notes.services.ports import NotesUnitOfWork, NotesUnitOfWorkFactory
from therapy_notes.services.templates import load_template

logger = logging.getLogger(__name__)

AUDIT_ENTITY = "session"
"""Every note change is audited under its session, so one query gives a note's history."""

_T = TypeVar("_T")


class SignatureState(StrEnum):
    """What the check of a note's signatures found when it was opened or exported."""

    UNSIGNED = "unsigned"
    VALID = "valid"
    MISMATCH = "mismatch"
    """The stored note no longer matches what was signed: changed outside the app."""


@dataclass(frozen=True, slots=True)
class NoteReview:
    """A note as loaded for review: content, provenance, signatures and their check."""

    session: SessionRecord
    patient: Patient | None
    template: NoteTemplate
    note: Note
    segments: tuple[Segment, ...]
    signatures: tuple[Signature, ...]
    addenda: tuple[Addendum, ...]
    signature_state: SignatureState
    mismatches: tuple[str, ...] = ()
    """Which signatures or addenda failed the check, e.g. "signature 1 (author, ana)"."""
    findings: tuple[str, ...] = ()
    """What exactly no longer verifies, in words for the clinician, e.g. "the transcript
    was changed" or "an audit record is missing or edited (record 40)"."""
    audit_says_signed: bool = False
    """The audit trail records a sign-off, whatever the signature rows now say."""
    editors: Mapping[int, str] = field(default_factory=dict)
    """Entry id -> user name of whoever last added or edited it in review (from the audit
    trail); entries the model or local composer wrote and nobody touched are absent."""

    @property
    def is_locked(self) -> bool:
        """True once signed: entries can no longer change, only addenda be added."""
        return (
            self.session.status is SessionStatus.SIGNED
            or bool(self.signatures)
            or self.audit_says_signed
        )

    @property
    def author_signature(self) -> Signature | None:
        return next((s for s in self.signatures if s.role is SignatureRole.AUTHOR), None)

    def last_edited_by(self, entry: NoteEntry) -> str | None:
        """The user who last added or edited `entry`, or None if no one has."""
        return self.editors.get(entry.id) if entry.id is not None else None

    def segments_of(self, entry: NoteEntry) -> list[Segment]:
        """The transcript segments an entry came from, in transcript order."""
        wanted = set(entry.segment_ids)
        return [s for s in self.segments if s.id in wanted]


def _editors(trail: list[AuditRecord]) -> dict[int, str]:
    editors: dict[int, str] = {}
    for record in trail:  # oldest first, so the last edit wins
        if record.action in ("entry_added", "entry_edited") and record.after:
            entry_id = json.loads(record.after).get("id")
            if isinstance(entry_id, int):
                editors[entry_id] = record.actor
    return editors


def _entry_json(entry: NoteEntry) -> str:
    return json.dumps(
        {
            "id": entry.id,
            "section": entry.section,
            "text": entry.text,
            "source": entry.source.value,
            "segment_ids": list(entry.segment_ids),
        },
        ensure_ascii=False,
    )


def _recorded_ids(trail: list[AuditRecord], action: str, key: str) -> list[int]:
    """Ids the trail's `action` records name under `key` (e.g. "signed" -> signature_id)."""
    ids: list[int] = []
    for record in trail:
        if record.action == action and record.after:
            value = json.loads(record.after).get(key)
            if isinstance(value, int):
                ids.append(value)
    return ids


@dataclass(frozen=True, slots=True)
class _Check:
    mismatches: list[str]
    findings: list[str]
    audit_says_signed: bool


def _check(
    key: SigningKey,
    session: SessionRecord,
    content: SignedContent,
    signatures: tuple[Signature, ...],
    addenda: tuple[Addendum, ...],
    trail: list[AuditRecord],
    chain: list[AuditRecord],
) -> _Check:
    """Every check of a note: its signatures, its addenda chain, and the audit chain."""
    mismatches: list[str] = []
    findings: list[str] = []
    for signature in signatures:
        problems = check_signature(signature, content, key)
        head = signed_audit_head(signature) if not problems else None
        if head is not None:
            problems += anchor_findings(chain, head, signature_label(signature))
        if problems:
            mismatches.append(signature_label(signature))
            findings += problems
    author = next((s for s in signatures if s.role is SignatureRole.AUTHOR), None)
    for addendum, problem in check_addenda(addenda, author, key):
        label = f"addendum {addendum.id} ({addendum.username})"
        mismatches += [] if label in mismatches else [label]
        findings.append(problem)
    signed_ids = _recorded_ids(trail, "signed", "signature_id")
    if session.status is SessionStatus.SIGNED and not signatures:
        mismatches.append("the note is marked signed but has no signature")
    if author is None and signed_ids:
        findings.append(
            "the signature was removed from a note that the audit trail says was signed"
        )
    stored_signatures = {s.id for s in signatures}
    recorded = signed_ids if author is not None else []
    recorded += _recorded_ids(trail, "cosigned", "signature_id")
    findings += [
        f"signature {i} was removed, though the audit trail records it"
        for i in recorded
        if i not in stored_signatures
    ]
    stored_addenda = {a.id for a in addenda}
    findings += [
        f"an addendum was removed (addendum id {i} is in the audit trail)"
        for i in _recorded_ids(trail, "addendum_added", "addendum_id")
        if i not in stored_addenda
    ]
    broken = chain_findings(chain)
    if broken:
        mismatches.append("the audit trail")
        findings += broken
    return _Check(mismatches, list(dict.fromkeys(findings)), bool(signed_ids))


def _local_tz() -> tzinfo:
    return datetime.now(UTC).astimezone().tzinfo or UTC


def _utc_now() -> datetime:
    return datetime.now(UTC)


_EDITOR_SOURCES = {Role.CLINICIAN: EntrySource.CLINICIAN, Role.REVIEWER: EntrySource.REVIEWER}


class NotesService:
    """Review, sign, co-sign and amend notes; build export views. Asyncio, Qt-free.

    Args:
        uow_factory: units of work on the database (run in a worker thread each).
        signing_key: what signatures and addenda are keyed by; the composition root
            derives it from the database key (`storage.signatures.signing_key_for`).
        templates: note templates by name.
        clock: the current aware time (tests pass a fixed one).
        tz: the time zone documents print times in (default: this computer's).
    """

    def __init__(
        self,
        uow_factory: NotesUnitOfWorkFactory,
        *,
        signing_key: SigningKey,
        templates: Callable[[str], NoteTemplate] = load_template,
        clock: Callable[[], datetime] = _utc_now,
        tz: tzinfo | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._key = signing_key
        self._templates = templates
        self._clock = clock
        self._tz = tz or _local_tz()

    async def _run(self, work: Callable[[NotesUnitOfWork], _T]) -> _T:
        def in_thread() -> _T:
            with self._uow_factory() as uow:
                return work(uow)

        return await asyncio.to_thread(in_thread)

    def _audit(
        self,
        uow: NotesUnitOfWork,
        actor: User,
        action: str,
        session_id: int,
        *,
        before: str | None = None,
        after: str | None = None,
    ) -> None:
        uow.audit.record(
            AuditRecord(
                actor.username,
                action,
                AUDIT_ENTITY,
                session_id,
                self._clock(),
                before=before,
                after=after,
            )
        )

    # -- reading ----------------------------------------------------------------------------

    async def awaiting_review(self) -> list[SessionRecord]:
        """Sessions whose note is a draft waiting to be reviewed and signed, oldest first."""
        return await self._run(lambda uow: uow.sessions.with_status(SessionStatus.DRAFT))

    async def load(self, actor: User, session_id: int) -> NoteReview:
        """The note for review; a signed note's signatures are checked (mismatch audited)."""
        return await self._run(lambda uow: self._load(uow, actor, session_id, "open"))

    def _load(self, uow: NotesUnitOfWork, actor: User, session_id: int, during: str) -> NoteReview:
        session = uow.sessions.get(session_id)
        content = self._content(uow, session)
        signatures = tuple(uow.signatures.signatures_for(session_id))
        addenda = tuple(uow.signatures.addenda_for(session_id))
        trail = uow.audit.for_entity(AUDIT_ENTITY, session_id)
        check = _check(self._key, session, content, signatures, addenda, trail, uow.audit.chain())
        if check.mismatches or check.findings:
            state = SignatureState.MISMATCH
            logger.warning(
                "session %s: signature check failed (%d findings)", session_id, len(check.findings)
            )
            self._audit(
                uow,
                actor,
                "signature_mismatch",
                session_id,
                after=json.dumps(
                    {"during": during, "failed": check.mismatches, "findings": check.findings},
                    ensure_ascii=False,
                ),
            )
        else:
            state = SignatureState.VALID if signatures else SignatureState.UNSIGNED
        return NoteReview(
            session=session,
            patient=content.patient,
            template=content.template,
            note=content.note,
            segments=tuple(content.segments),
            signatures=signatures,
            addenda=addenda,
            signature_state=state,
            mismatches=tuple(check.mismatches),
            findings=tuple(check.findings),
            audit_says_signed=check.audit_says_signed,
            editors=_editors(trail),
        )

    def _content(self, uow: NotesUnitOfWork, session: SessionRecord) -> SignedContent:
        """What a signature of the session's note covers, as stored now."""
        patient = uow.patients.get(session.patient_id) if session.patient_id is not None else None
        return SignedContent(
            note=uow.notes.load(session.id),
            template=self._templates(session.template),
            patient=patient,
            segments=tuple(uow.segments.for_session(session.id)),
        )

    async def audit_trail(self, session_id: int) -> list[AuditRecord]:
        """Every recorded change to the session's note, oldest first."""
        return await self._run(lambda uow: uow.audit.for_entity(AUDIT_ENTITY, session_id))

    # -- editing ----------------------------------------------------------------------------

    @staticmethod
    def _editor_source(actor: User) -> EntrySource:
        source = _EDITOR_SOURCES.get(actor.role)
        if source is None:
            raise PermissionDeniedError(
                "Administrators cannot change clinical notes. Sign in as the clinician or "
                "reviewer of this note."
            )
        return source

    @staticmethod
    def _require_unsigned(uow: NotesUnitOfWork, session_id: int) -> SessionRecord:
        """The session, held (`hold`) for this unit of work, if its note is not signed."""
        session = uow.sessions.hold(session_id)
        if (
            session.status is SessionStatus.SIGNED
            or uow.signatures.signatures_for(session_id)
            or _recorded_ids(
                uow.audit.for_entity(AUDIT_ENTITY, session_id), "signed", "signature_id"
            )
        ):
            raise NoteLockedError(
                "This note is signed and can no longer be edited. "
                "Add an addendum to correct or extend it."
            )
        return session

    @classmethod
    def _require_editable(cls, uow: NotesUnitOfWork, session_id: int) -> SessionRecord:
        """The session, held (`hold`) for this unit of work, if its note may change."""
        session = cls._require_unsigned(uow, session_id)
        if session.status is SessionStatus.RECORDING:
            raise UserFacingError(
                "This session is still recording. Stop the recording before editing its note."
            )
        return session

    async def add_entry(
        self,
        actor: User,
        session_id: int,
        section: str,
        text: str,
        segment_ids: tuple[int, ...] = (),
    ) -> NoteEntry:
        """Add an entry written by the actor (source clinician or reviewer, by role)."""
        source = self._editor_source(actor)
        text = text.strip()
        if not text:
            raise UserFacingError("An entry needs some text.")

        def work(uow: NotesUnitOfWork) -> NoteEntry:
            session = self._require_editable(uow, session_id)
            template = self._templates(session.template)
            if section not in template.section_keys:
                raise UserFacingError(
                    f"The {template.title} template has no section {section!r}. "
                    f"Choose one of: {', '.join(template.section_keys)}."
                )
            entry = uow.notes.add_entry(
                session_id, NoteEntry(section, text, source, segment_ids, created_at=self._clock())
            )
            self._audit(uow, actor, "entry_added", session_id, after=_entry_json(entry))
            return entry

        return await self._run(work)

    async def edit_entry(
        self, actor: User, entry_id: int, text: str, *, expected_version: int | None = None
    ) -> NoteEntry:
        """Replace an entry's text; it becomes the actor's (clinician or reviewer) entry.

        `expected_version` is the version of the entry the actor was shown. If someone else
        saved the entry since (another desktop, another window), nothing is written and
        `EditConflictError` names who changed it, so no edit is silently overwritten.
        """
        source = self._editor_source(actor)
        text = text.strip()
        if not text:
            raise UserFacingError("An entry needs some text; delete it instead.")

        def work(uow: NotesUnitOfWork) -> NoteEntry:
            session_id, _ = uow.notes.get_entry(entry_id)
            self._require_editable(uow, session_id)
            _, before = uow.notes.get_entry(entry_id)  # read again, now that it is held
            if expected_version is not None and before.version != expected_version:
                raise self._conflict(uow, session_id, before)
            if before.text == text:
                return before
            after = uow.notes.update_entry(
                entry_id, text, source.value, expected_version=before.version
            )
            self._audit(
                uow,
                actor,
                "entry_edited",
                session_id,
                before=_entry_json(before),
                after=_entry_json(after),
            )
            return after

        return await self._run(work)

    @staticmethod
    def _conflict(uow: NotesUnitOfWork, session_id: int, current: NoteEntry) -> EditConflictError:
        """The conflict message, naming whoever saved the entry last (from the audit trail)."""
        who = _editors(uow.audit.for_entity(AUDIT_ENTITY, session_id)).get(current.id or -1)
        by = f"{who} saved" if who else "Someone else saved"
        return EditConflictError(
            f"{by} a change to this entry after you opened it, so your edit was not saved "
            "and nothing was overwritten. It now reads: "
            f'"{current.text}". Reload the note, then make your change again if it is '
            "still needed."
        )

    async def delete_entry(self, actor: User, entry_id: int) -> None:
        """Delete an entry; its text stays in the audit trail."""
        self._editor_source(actor)

        def work(uow: NotesUnitOfWork) -> None:
            session_id, before = uow.notes.get_entry(entry_id)
            self._require_editable(uow, session_id)
            uow.notes.delete_entry(entry_id)
            self._audit(uow, actor, "entry_deleted", session_id, before=_entry_json(before))

        await self._run(work)

    async def save_clinician_text(
        self, session_id: int, section: str, text: str, entry_id: int | None = None
    ) -> NoteEntry:
        """Store the clinician's own text for a section of the live or reopened note.

        Adds the clinician's entry (`entry_id` None) or replaces the text of the one stored
        before; the window saves as the clinician types, so this is not audited (review
        edits are, through `edit_entry`). A signed note refuses it (`NoteLockedError`).
        """

        def work(uow: NotesUnitOfWork) -> NoteEntry:
            if entry_id is None:
                return uow.notes.add_entry(
                    session_id, NoteEntry(section, text, EntrySource.CLINICIAN)
                )
            return uow.notes.update_entry(entry_id, text, EntrySource.CLINICIAN.value)

        return await self._run(work)

    async def acknowledge_risk(self, actor: User, session_id: int, risk_id: int) -> None:
        """Record that the clinician has seen a flagged risk (needed before signing).

        The one way a risk is acknowledged: from the review or from the risk banner, also
        while the session is still recording (a risk is seen as it is said). An admin may
        not, a signed note refuses it, and it is audited once ("risk_acknowledged"); a risk
        acknowledged before stays as it was.

        Raises:
            PermissionDeniedError: the actor is an administrator.
            NoteLockedError: the note is signed.
            UserFacingError: the session has no such risk flag.
        """
        self._editor_source(actor)

        def work(uow: NotesUnitOfWork) -> None:
            self._require_unsigned(uow, session_id)
            risk = next((r for r in uow.notes.load(session_id).risks if r.id == risk_id), None)
            if risk is None:
                raise UserFacingError(f"Session {session_id} has no risk flag {risk_id}.")
            if risk.acknowledged_at is not None:
                return
            at = self._clock()
            uow.notes.acknowledge_risk(risk_id, at)
            self._audit(
                uow,
                actor,
                "risk_acknowledged",
                session_id,
                after=json.dumps(
                    {"risk_id": risk_id, "kind": risk.kind.value, "acknowledged_at": at.isoformat()}
                ),
            )

        await self._run(work)

    # -- signing ----------------------------------------------------------------------------

    async def sign(self, actor: User, session_id: int) -> Signature:
        """Sign the note as its author; it is locked from then on (status `signed`).

        Raises:
            PermissionDeniedError: the actor is not a clinician.
            NoteLockedError: the note is signed already.
            UserFacingError: still recording, empty, or a risk is not yet acknowledged.
        """
        if actor.role is not Role.CLINICIAN:
            raise PermissionDeniedError(NOT_A_CLINICIAN)

        def work(uow: NotesUnitOfWork) -> Signature:
            session = self._require_editable(uow, session_id)
            check = sign_off_check(uow.notes.load(session_id), self._templates(session.template))
            if not check.can_sign:
                raise UserFacingError(" ".join(check.blockers))
            signature = self._signature(uow, actor, session, SignatureRole.AUTHOR)
            uow.sessions.set_status(session_id, SessionStatus.SIGNED)
            self._audit(uow, actor, "signed", session_id, after=_signature_json(signature))
            return signature

        signature = await self._run(work)
        logger.info("session %s signed (signature %s)", session_id, signature.id)
        return signature

    async def cosign(self, actor: User, session_id: int) -> Signature:
        """Add a reviewer's co-signature to a signed, unaltered note.

        Raises:
            PermissionDeniedError: the actor is an admin, or the note's own author.
            UserFacingError: the note is not signed yet, or already co-signed by the actor.
            SignatureMismatchError: the note changed since it was signed.
        """
        if actor.role not in (Role.REVIEWER, Role.CLINICIAN):
            raise PermissionDeniedError("Only a reviewer or a clinician can co-sign a note.")

        def work(uow: NotesUnitOfWork) -> Signature | _Refused:
            uow.sessions.hold(session_id)  # no addendum or other sign-off in between
            review = self._load(uow, actor, session_id, "cosign")
            author = review.author_signature
            if author is None and not review.audit_says_signed:
                raise UserFacingError("This note is not signed yet; it can be co-signed after.")
            if review.signature_state is SignatureState.MISMATCH or author is None:
                return _Refused(review.findings)  # after commit, so the mismatch stays audited
            if actor.username == author.username:
                raise PermissionDeniedError("The author of a note cannot also co-sign it.")
            if any(s.username == actor.username for s in review.signatures):
                raise UserFacingError("You have already co-signed this note.")
            signature = self._signature(uow, actor, review.session, SignatureRole.COSIGNER)
            self._audit(uow, actor, "cosigned", session_id, after=_signature_json(signature))
            return signature

        signature = await self._run(work)
        if isinstance(signature, _Refused):
            raise _mismatch_error(session_id, "co-signed", signature.findings)
        return signature

    def _signature(
        self, uow: NotesUnitOfWork, actor: User, session: SessionRecord, role: SignatureRole
    ) -> Signature:
        """Sign the stored note as `actor`: the keyed MAC, and the v1 hash beside it.

        The audit chain head is read in the same write transaction, before this sign-off's
        own audit record, so the signature vouches for the whole trail up to now.
        """
        signed_at = self._clock()
        content = self._content(uow, session)
        digest = content_sha256(
            content.note,
            patient_id=session.patient_id,
            section_order=content.template.section_keys,
            role=role,
            username=actor.username,
            display_name=actor.display_name,
            credentials=actor.credentials,
            signed_at=signed_at,
        )
        signed = sign_note(
            content,
            self._key,
            role=role,
            username=actor.username,
            display_name=actor.display_name,
            credentials=actor.credentials,
            signed_at=signed_at,
            audit_head=uow.audit.head(),
        )
        return uow.signatures.add_signature(
            Signature(
                session.id,
                role,
                actor.username,
                actor.display_name,
                actor.credentials,
                signed_at,
                digest,
                mac=signed.mac,
                manifest=signed.manifest,
            )
        )

    async def add_addendum(self, actor: User, session_id: int, reason: str, text: str) -> Addendum:
        """Amend a signed note: the addendum is shown under it, the note stays as signed."""
        self._editor_source(actor)
        reason, text = reason.strip(), text.strip()
        if not reason or not text:
            raise UserFacingError("An addendum needs a reason and a text.")

        def work(uow: NotesUnitOfWork) -> Addendum | _Refused:
            session = uow.sessions.hold(session_id)  # addenda chain: one writer at a time
            if session.status is not SessionStatus.SIGNED:
                raise UserFacingError(
                    "This note is not signed yet: edit it directly instead of adding an addendum."
                )
            review = self._load(uow, actor, session_id, "addendum")
            if review.signature_state is SignatureState.MISMATCH:
                return _Refused(review.findings)  # after commit, so the mismatch stays audited
            author = review.author_signature
            last = review.addenda[-1] if review.addenda else author
            previous = "" if last is None else chain_value(last)
            draft = Addendum(
                session_id,
                actor.username,
                actor.display_name,
                actor.credentials,
                self._clock(),
                reason,
                text,
            )
            addendum = uow.signatures.add_addendum(
                Addendum(
                    draft.session_id,
                    draft.username,
                    draft.display_name,
                    draft.credentials,
                    draft.at,
                    draft.reason,
                    draft.text,
                    addendum_sha256(draft),
                    previous_mac=previous,
                    mac=addendum_mac(draft, previous, self._key),
                )
            )
            self._audit(
                uow,
                actor,
                "addendum_added",
                session_id,
                after=json.dumps(
                    {"addendum_id": addendum.id, "reason": reason, "text": text}, ensure_ascii=False
                ),
            )
            return addendum

        addendum = await self._run(work)
        if isinstance(addendum, _Refused):
            raise _mismatch_error(session_id, "amended", addendum.findings)
        return addendum

    # -- export -----------------------------------------------------------------------------

    async def export_document(
        self,
        actor: User,
        session_id: int,
        *,
        export_format: str,
        clinic_name: str = "",
        include_transcript: bool = False,
    ) -> NoteDocument:
        """The export view of a note, after checking its signatures; the export is audited.

        Raises:
            SignatureMismatchError: a signed note no longer matches its signature (audited);
                nothing is exported.
        """

        def work(uow: NotesUnitOfWork) -> NoteDocument | _Refused:
            review = self._load(uow, actor, session_id, f"export:{export_format}")
            if review.signature_state is SignatureState.MISMATCH:
                return _Refused(review.findings)  # after commit, so the mismatch stays audited
            self._audit(
                uow,
                actor,
                "exported",
                session_id,
                after=json.dumps(
                    {
                        "format": export_format,
                        "transcript": include_transcript,
                        "signed": review.is_locked,
                    }
                ),
            )
            return build_document(
                note=review.note,
                template=review.template,
                session=review.session,
                patient=review.patient,
                signatures=review.signatures,
                addenda=review.addenda,
                transcript=review.segments if include_transcript else None,
                clinic_name=clinic_name,
                clinician=actor.signature_name if actor.role is not Role.ADMIN else "",
                tz=self._tz,
            )

        document = await self._run(work)
        if isinstance(document, _Refused):
            raise _mismatch_error(session_id, "exported", document.findings)
        return document


@dataclass(frozen=True, slots=True)
class _Refused:
    """A check failed inside a unit of work: refuse after it commits the audit record."""

    findings: tuple[str, ...]


def _mismatch_error(
    session_id: int, refused: str, findings: tuple[str, ...] = ()
) -> SignatureMismatchError:
    found = f" What no longer verifies: {'; '.join(findings)}." if findings else ""
    return SignatureMismatchError(
        f"The signed note of session {session_id} no longer matches its signature: it was "
        f"changed outside Therapy Notes after signing, so it was not {refused}.{found} The check "
        "has been recorded in the audit trail; ask your administrator to restore the database "
        "from a backup."
    )


def _signature_json(signature: Signature) -> str:
    return json.dumps(
        {
            "signature_id": signature.id,
            "role": signature.role.value,
            "signer": signature.signature_name,
            "signed_at": signature.signed_at.isoformat(),
            "content_sha256": signature.content_sha256,
            "mac": signature.mac,
        },
        ensure_ascii=False,
    )
