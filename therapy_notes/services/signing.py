"""Signing a note: the author's sign-off, co-signatures, and addenda after them.

Signatures are keyed (`domain.signing`): an HMAC under the `SigningKey` the composition
root derives from the database key, over the note, its transcript, the patient's identity,
the signer and time, and the audit chain head. What blocks a sign-off is
`domain.sign_off`'s rule, the one the sign dialog shows, so the dialog never says "ready"
for a note this refuses. A signed note is locked (`note_access.is_signed`): later changes
are addenda, each chained to the signature or the addendum before it. A co-signature or an
addendum is refused when the note no longer verifies (`verification`); the failed check
stays in the audit trail.
"""

from __future__ import annotations

import json
import logging

from therapy_notes.domain.addenda import addendum_mac, addendum_sha256, chain_value
from therapy_notes.domain.note_lock import SIGNED_ACTION
from therapy_notes.domain.note_review import SignatureState
from therapy_notes.domain.notes import Addendum, Signature, SignatureRole
from therapy_notes.domain.session import SessionRecord, SessionStatus
from therapy_notes.domain.sign_off import NOT_A_CLINICIAN, sign_off_check
from therapy_notes.domain.signing import content_sha256, sign_note
from therapy_notes.domain.users import Role, User
from therapy_notes.errors import PermissionDeniedError, UserFacingError
from therapy_notes.services.note_access import NoteAccess, editor_source
from therapy_notes.services.ports import NotesUnitOfWork
from therapy_notes.services.verification import Refused, mismatch_error

logger = logging.getLogger(__name__)


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


class SigningService:
    """Sign, co-sign and amend notes. Asyncio, Qt-free.

    Args:
        access: units of work, audit records, the lock rule, the checked load and the
            signing key.
    """

    def __init__(self, access: NoteAccess) -> None:
        self._access = access

    async def sign(self, actor: User, session_id: int) -> Signature:
        """Sign the note as its author; it is locked from then on (status `signed`).

        Raises:
            PermissionDeniedError: the actor is not a clinician.
            NoteLockedError: the note is signed already.
            UserFacingError: still recording, empty, or a risk is not yet acknowledged.
        """
        if actor.role is not Role.CLINICIAN:
            raise PermissionDeniedError(NOT_A_CLINICIAN)
        access = self._access

        def work(uow: NotesUnitOfWork) -> Signature:
            session = access.require_editable(uow, session_id)
            check = sign_off_check(uow.notes.load(session_id), access.template(session.template))
            if not check.can_sign:
                raise UserFacingError(" ".join(check.blockers))
            signature = self._signature(uow, actor, session, SignatureRole.AUTHOR)
            uow.sessions.set_status(session_id, SessionStatus.SIGNED)
            access.audit(uow, actor, SIGNED_ACTION, session_id, after=_signature_json(signature))
            return signature

        signature = await access.run(work)
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
        access = self._access

        def work(uow: NotesUnitOfWork) -> Signature | Refused:
            uow.sessions.hold(session_id)  # no addendum or other sign-off in between
            review = access.load(uow, actor, session_id, "cosign")
            author = review.author_signature
            if author is None and not review.audit_says_signed:
                raise UserFacingError("This note is not signed yet; it can be co-signed after.")
            if review.signature_state is SignatureState.MISMATCH or author is None:
                return Refused(review.findings)  # after commit, so the mismatch stays audited
            if actor.username == author.username:
                raise PermissionDeniedError("The author of a note cannot also co-sign it.")
            if any(s.username == actor.username for s in review.signatures):
                raise UserFacingError("You have already co-signed this note.")
            signature = self._signature(uow, actor, review.session, SignatureRole.COSIGNER)
            access.audit(uow, actor, "cosigned", session_id, after=_signature_json(signature))
            return signature

        signature = await access.run(work)
        if isinstance(signature, Refused):
            raise mismatch_error(session_id, "co-signed", signature.findings)
        return signature

    def _signature(
        self, uow: NotesUnitOfWork, actor: User, session: SessionRecord, role: SignatureRole
    ) -> Signature:
        """Sign the stored note as `actor`: the keyed MAC, and the v1 hash beside it.

        The audit chain head is read in the same write transaction, before this sign-off's
        own audit record, so the signature vouches for the whole trail up to now.
        """
        signed_at = self._access.now()
        content = self._access.content(uow, session)
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
            self._access.signing_key,
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
        editor_source(actor)
        reason, text = reason.strip(), text.strip()
        if not reason or not text:
            raise UserFacingError("An addendum needs a reason and a text.")
        access = self._access

        def work(uow: NotesUnitOfWork) -> Addendum | Refused:
            session = uow.sessions.hold(session_id)  # addenda chain: one writer at a time
            if session.status is not SessionStatus.SIGNED:
                raise UserFacingError(
                    "This note is not signed yet: edit it directly instead of adding an addendum."
                )
            review = access.load(uow, actor, session_id, "addendum")
            if review.signature_state is SignatureState.MISMATCH:
                return Refused(review.findings)  # after commit, so the mismatch stays audited
            author = review.author_signature
            last = review.addenda[-1] if review.addenda else author
            previous = "" if last is None else chain_value(last)
            draft = Addendum(
                session_id,
                actor.username,
                actor.display_name,
                actor.credentials,
                access.now(),
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
                    mac=addendum_mac(draft, previous, access.signing_key),
                )
            )
            access.audit(
                uow,
                actor,
                "addendum_added",
                session_id,
                after=json.dumps(
                    {"addendum_id": addendum.id, "reason": reason, "text": text}, ensure_ascii=False
                ),
            )
            return addendum

        addendum = await access.run(work)
        if isinstance(addendum, Refused):
            raise mismatch_error(session_id, "amended", addendum.findings)
        return addendum
