"""The words for the domain's codes, as msgids: one table for every front end and report.

The desktop screens, the PDF reports and the statistics translate these with their own
gettext function; keeping a single table means a code reads the same everywhere.
"""

from __future__ import annotations

from app.domain.audit import AuditAction
from app.domain.values import (
    ClosureReason, ConsentDecision, ConsentKind, DocumentKind, OverrideBasis, RiskLevel, RiskStage, Sex,
)
from app.text import N_

SEX_LABELS = {
    Sex.FEMALE: N_("Female"),
    Sex.MALE: N_("Male"),
    Sex.NON_CONFORMING: N_("Transgender or gender non-conforming"),
    Sex.UNKNOWN: N_("Not known"),
}

CLOSURE_REASON_LABELS = {
    ClosureReason.REINTEGRATED: N_("Reintegrated"),
    ClosureReason.RETURNED: N_("Returned to the country of origin"),
    ClosureReason.DECLINED_ASSISTANCE: N_("Declined assistance"),
    ClosureReason.LOST_CONTACT: N_("Contact lost"),
    ClosureReason.TRANSFERRED: N_("Transferred"),
    ClosureReason.NO_INDICATORS: N_("No indicators of trafficking"),
    ClosureReason.MERGED: N_("Merged into another case"),  # set only by a merge, never chosen
}

CONSENT_KIND_LABELS = {
    ConsentKind.SCREENING: N_("Screening interview"),  # not "Screening": that msgid is the state
    ConsentKind.REFERRAL: N_("Referral to a provider"),
    ConsentKind.DATA_TO_SECRETARIAT: N_("Identified data to the secretariat"),
    ConsentKind.TRANSFER_ABROAD: N_("Transfer abroad"),
}

CONSENT_DECISION_LABELS = {
    ConsentDecision.GIVEN: N_("Given"),
    ConsentDecision.REFUSED: N_("Refused"),
    ConsentDecision.WITHDRAWN: N_("Withdrawn"),
    ConsentDecision.NOT_OBTAINED: N_("Could not be asked"),
}

OVERRIDE_LABELS = {
    OverrideBasis.CHILD_BEST_INTERESTS: N_("A child's best interests"),
    OverrideBasis.DANGER_TO_LIFE: N_("Danger to life"),
}

RISK_STAGE_LABELS = {
    RiskStage.SCREENING: N_("At screening"),
    RiskStage.BEFORE_REFERRAL: N_("Before referral"),
    RiskStage.BEFORE_RETURN: N_("Before return"),
    RiskStage.REVIEW: N_("Review"),
}

RISK_LEVEL_LABELS = {
    RiskLevel.UNKNOWN: N_("Not known"),
    RiskLevel.NONE: N_("None"),
    RiskLevel.LOW: N_("Low"),
    RiskLevel.MEDIUM: N_("Medium"),
    RiskLevel.HIGH: N_("High"),
}

#: The yes/no questions of a risk assessment, in the order they are asked.
RISK_QUESTIONS = {
    "immediate_danger": N_("Is the person in immediate danger?"),
    "controller_nearby": N_("Is a controller or trafficker nearby?"),
    "medical_urgency": N_("Is there an urgent medical need?"),
    "minor_or_unaccompanied": N_("Is the person a minor or an unaccompanied child?"),
    "pregnancy": N_("Is the person pregnant?"),
    "shelter_tonight": N_("Does the person need shelter tonight?"),
}

#: The urgent flags of ``RiskAssessment.urgent_flags``, in words.
URGENT_FLAG_LABELS = {
    "immediate_danger": N_("Immediate danger"),
    "controller_nearby": N_("A controller is nearby"),
    "medical_urgency": N_("Urgent medical need"),
    "shelter_tonight": N_("Needs shelter tonight"),
    "retrafficking_risk": N_("High risk of re-trafficking"),
}

#: Person fields in words (histories and timelines name what changed).
PERSON_FIELD_LABELS = {
    "first_name": N_("First name (Latin letters)"),
    "second_name": N_("Family name (Latin letters)"),
    "first_name_ar": N_("First name (Arabic letters)"),
    "second_name_ar": N_("Family name (Arabic letters)"),
    "other_names": N_("Other names"),
    "sex": N_("Sex"),
    "birth_date": N_("Birth date"),
    "birth_year": N_("Birth year"),
    "age_band": N_("Age band"),
    "possibly_minor": N_("May be under 18"),
    "nationality": N_("Nationality"),
    "languages": N_("Languages"),
    "documents": N_("Documents"),
    "mobile_phone": N_("Mobile phone"),
}

DOCUMENT_LABELS = {
    DocumentKind.PASSPORT: N_("Passport"),
    DocumentKind.NATIONAL_ID: N_("National identity card"),
    DocumentKind.RESIDENCE_PERMIT: N_("Residence permit"),
    DocumentKind.TRAVEL_DOCUMENT: N_("Travel document"),
    DocumentKind.BIRTH_CERTIFICATE: N_("Birth certificate"),
    DocumentKind.CONSULAR_CARD: N_("Consular card"),
    DocumentKind.OTHER: N_("Other document"),
}

#: The six dimensions of the ILO indicators, by the codes the screening engine uses.
SCREENING_DIMENSION_LABELS = {
    "DR": N_("Deceptive recruitment"),
    "CR": N_("Coercive recruitment"),
    "RV": N_("Recruitment by abuse of vulnerability"),
    "EX": N_("Exploitative conditions"),
    "CD": N_("Coercion at destination"),
    "VD": N_("Abuse of vulnerability at destination"),
}

#: ``ScreeningResult.urgent_flags`` (the triage answers of a screening).
SCREENING_URGENT_LABELS = {
    "immediate_danger": N_("Immediate danger"),
    "controller_nearby": N_("A controller is nearby"),
    "medical_urgency": N_("Urgent medical need"),
    "child": N_("The person may be a child"),
}

#: Audit entries of sync and of the secretariat's publications. A ``{version}`` label is
#: filled with the publication's version (from the entry's details).
SYNC_AUDIT_LABELS = {
    AuditAction.SYNC_RECEIVED: N_("Changes received from another device"),
    AuditAction.SYNC_KEYS_ERASED: N_("Sync keys erased: this device was revoked"),
    AuditAction.STORE_WIPED: N_("Store erased: this device was revoked"),
    AuditAction.CONFLICT_RESOLVED: N_("Sync conflict settled: one value kept"),
    AuditAction.DIRECTORY_PUBLISHED_APPLIED: N_("Service directory published by the secretariat put in use "
                                                "(version {version})"),
    AuditAction.CHECKLIST_PUBLISHED_APPLIED: N_("Screening checklist published by the secretariat put in use "
                                                "(version {version})"),
    AuditAction.PUBLICATION_REFUSED: N_("A publication of the secretariat was refused: it does not read right "
                                        "(version {version})"),
}
