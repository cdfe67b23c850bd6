"""The domain model of docs/design.md §2, one module per aggregate."""

from .audit import AuditChainHead, AuditEvent, NumberSequence
from .case import (
    FINAL_GOAL_STATUSES,
    OPEN_STATUSES,
    Activity,
    Case,
    CaseChecklistItem,
    CaseConference,
    CaseShare,
    Evaluation,
    Goal,
    Measure,
    Need,
    Referral,
)
from .client import Client, Consent, HouseholdMember
from .db import db
from .document import Document
from .reference import (
    AccessRoute,
    Agency,
    Authority,
    ChecklistTemplate,
    ChecklistTemplateItem,
    ClosureReason,
    DocumentKind,
    MeasureType,
    Municipality,
    NeedArea,
    ResidenceStatus,
    TargetGroup,
)
from .steering import StructuralIssue
from .user import RecoveryCode, RoleGrant, User

# isort: split
# The authority rule names the classes above as this package exports them.
from . import auditing, scoping  # noqa: F401  (register the authority rule and the audit)

# The rows that belong to one case, each by its ``case_id``.
CASE_PARTS = (
    Need,
    Goal,
    Measure,
    Referral,
    Activity,
    CaseConference,
    CaseChecklistItem,
    Evaluation,
    Document,
)

REFERENCE_MODELS = (
    Municipality,
    Authority,
    NeedArea,
    Agency,
    MeasureType,
    ResidenceStatus,
    TargetGroup,
    AccessRoute,
    ClosureReason,
    DocumentKind,
    ChecklistTemplate,
)

__all__ = [
    "CASE_PARTS",
    "FINAL_GOAL_STATUSES",
    "OPEN_STATUSES",
    "REFERENCE_MODELS",
    "AccessRoute",
    "Activity",
    "Agency",
    "AuditChainHead",
    "AuditEvent",
    "Authority",
    "Case",
    "CaseChecklistItem",
    "CaseConference",
    "CaseShare",
    "ChecklistTemplate",
    "ChecklistTemplateItem",
    "Client",
    "ClosureReason",
    "Consent",
    "Document",
    "DocumentKind",
    "Evaluation",
    "Goal",
    "HouseholdMember",
    "Measure",
    "MeasureType",
    "Municipality",
    "Need",
    "NeedArea",
    "NumberSequence",
    "RecoveryCode",
    "Referral",
    "ResidenceStatus",
    "RoleGrant",
    "StructuralIssue",
    "TargetGroup",
    "User",
    "db",
]
