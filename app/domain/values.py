"""Closed vocabularies of the domain.

Enum values are the stable codes that go into the store, the sync wire format and exports
(HTCDS picklist values where HTCDS has one). Labels for people live in the catalogs.
"""

from __future__ import annotations

from enum import Enum

from app.text import N_


class Code(str, Enum):
    """A string enum whose value is its stable code."""

    def __str__(self) -> str:  # pragma: no cover - cosmetic
        return self.value

    @classmethod
    def parse(cls, raw: object) -> "Code":
        if isinstance(raw, cls):
            return raw
        try:
            return cls(str(raw))
        except ValueError:
            raise ValueError(f"{raw!r} is not one of {', '.join(m.value for m in cls)}") from None


class Sex(Code):
    """HTCDS ``prs_Gender``."""

    MALE = "Male"
    FEMALE = "Female"
    NON_CONFORMING = "TransgenderNonConforming"
    UNKNOWN = "Unknown"


class AgeBand(Code):
    """Age bands of the CTDC data set (so statistics line up with its public figures)."""

    A0_8 = "0-8"
    A9_17 = "9-17"
    A18_20 = "18-20"
    A21_23 = "21-23"
    A24_26 = "24-26"
    A27_29 = "27-29"
    A30_38 = "30-38"
    A39_47 = "39-47"
    A48_PLUS = "48+"

    @property
    def is_minor(self) -> bool:
        return self in (AgeBand.A0_8, AgeBand.A9_17)

    @classmethod
    def for_age(cls, age: int) -> "AgeBand":
        if age < 0:
            raise ValueError("age cannot be negative")
        for band, upper in _BAND_UPPER:
            if age <= upper:
                return band
        return cls.A48_PLUS


_BAND_UPPER = (
    (AgeBand.A0_8, 8), (AgeBand.A9_17, 17), (AgeBand.A18_20, 20), (AgeBand.A21_23, 23),
    (AgeBand.A24_26, 26), (AgeBand.A27_29, 29), (AgeBand.A30_38, 38), (AgeBand.A39_47, 47),
)


class DocumentKind(Code):
    PASSPORT = "passport"
    NATIONAL_ID = "national_id"
    RESIDENCE_PERMIT = "residence_permit"
    TRAVEL_DOCUMENT = "travel_document"
    BIRTH_CERTIFICATE = "birth_certificate"
    CONSULAR_CARD = "consular_card"
    OTHER = "other"


class Role(Code):
    BORDER_OFFICER = "border_officer"
    SOCIAL_WORKER = "social_worker"
    SUPERVISOR = "supervisor"
    SECRETARIAT = "secretariat"


ROLE_LABELS = {
    Role.BORDER_OFFICER: N_("Border officer"),
    Role.SOCIAL_WORKER: N_("Social worker"),
    Role.SUPERVISOR: N_("Supervisor"),
    Role.SECRETARIAT: N_("Permanent secretariat"),
}


class CaseState(Code):
    """States of the NRM case lifecycle (NRM.md)."""

    DETECTED = "detected"
    SCREENING = "screening"
    NO_INDICATORS = "no_indicators"
    OTHER_VULNERABILITY = "other_vulnerability"
    PRESUMED_VICTIM = "presumed_victim"
    URGENT_PROTECTION = "urgent_protection"
    REFERRED = "referred"
    ACCEPTED = "accepted"
    IN_ASSISTANCE = "in_assistance"
    FOLLOW_UP = "follow_up"
    TRANSFERRED = "transferred"
    FORMALLY_IDENTIFIED = "formally_identified"
    CLOSED = "closed"

    @property
    def htcds_status(self) -> str:
        """HTCDS ``cas_Status`` (Active, FollowUp, Closed, ClosedReferred)."""
        if self is CaseState.CLOSED:
            return "Closed"
        if self is CaseState.TRANSFERRED:
            return "ClosedReferred"
        if self is CaseState.FOLLOW_UP:
            return "FollowUp"
        return "Active"

    @property
    def is_open(self) -> bool:
        return self not in (CaseState.CLOSED, CaseState.TRANSFERRED)


STATE_LABELS = {
    CaseState.DETECTED: N_("Detected"),
    CaseState.SCREENING: N_("Screening"),
    CaseState.NO_INDICATORS: N_("No indicators"),
    CaseState.OTHER_VULNERABILITY: N_("Other vulnerability"),
    CaseState.PRESUMED_VICTIM: N_("Presumed victim"),
    CaseState.URGENT_PROTECTION: N_("Urgent protection"),
    CaseState.REFERRED: N_("Referred"),
    CaseState.ACCEPTED: N_("Accepted"),
    CaseState.IN_ASSISTANCE: N_("In assistance"),
    CaseState.FOLLOW_UP: N_("Follow-up"),
    CaseState.TRANSFERRED: N_("Transferred"),
    CaseState.FORMALLY_IDENTIFIED: N_("Formally identified"),
    CaseState.CLOSED: N_("Closed"),
}


class ClosureReason(Code):
    REINTEGRATED = "reintegrated"
    RETURNED = "returned"
    DECLINED_ASSISTANCE = "declined_assistance"
    LOST_CONTACT = "lost_contact"
    TRANSFERRED = "transferred"
    NO_INDICATORS = "no_indicators"
    MERGED = "merged"  # a duplicate of another case of the same person (SearchService.merge)


class ConsentKind(Code):
    SCREENING = "screening"
    REFERRAL = "referral"
    DATA_TO_SECRETARIAT = "data_to_secretariat"
    TRANSFER_ABROAD = "transfer_abroad"


class ConsentDecision(Code):
    GIVEN = "given"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    NOT_OBTAINED = "not_obtained"  # the person could not be asked (unconscious, a young child alone …)


class OverrideBasis(Code):
    """Grounds on which a referral may proceed without the person's consent."""

    CHILD_BEST_INTERESTS = "child_best_interests"
    DANGER_TO_LIFE = "danger_to_life"


class RiskStage(Code):
    SCREENING = "screening"
    BEFORE_REFERRAL = "before_referral"
    BEFORE_RETURN = "before_return"
    REVIEW = "review"


class RiskLevel(Code):
    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    UNKNOWN = "unknown"
