"""Tables and enums, one module per part of the domain."""

from sponsorship.models.applications import (
    Application,
    ApplicationStatus,
    Delegate,
    Gender,
    application_sessions,
)
from sponsorship.models.audit import AuditEvent
from sponsorship.models.awards import Award, AwardCostLine, AwardStatus, CostKind, CostStage
from sponsorship.models.data_version import DataVersion
from sponsorship.models.files import ReportExport, StoredFile
from sponsorship.models.funds import (
    Allocation,
    AllocationStatus,
    Contribution,
    ContributionStatus,
    Donor,
)
from sponsorship.models.history import HistoryImport
from sponsorship.models.letters import Letter, LetterStatus
from sponsorship.models.meetings import Meeting, MeetingKind, MeetingSession, Theme
from sponsorship.models.outbox import MessageStatus, OutboxMessage
from sponsorship.models.payments import (
    ApprovalKind,
    ApprovalRequest,
    ApprovalStatus,
    Claim,
    ClaimCategory,
    ClaimReceipt,
    ClaimStatus,
    Payment,
    PaymentKind,
    PaymentStatus,
)
from sponsorship.models.persons import Person
from sponsorship.models.reports import DelegateReport, delegate_report_sessions
from sponsorship.models.review import Airfare, Criterion, ScoringWeight
from sponsorship.models.signatory import Signatory
from sponsorship.models.slate import DonorsGroupMember, Slate, SlateStatus, SlateVote, Vote
from sponsorship.models.states import ConventionStatus, RegionalGroup, State
from sponsorship.models.users import Invitation, RecoveryCode, Role, User, UserSession

__all__ = [
    "Airfare",
    "Allocation",
    "AllocationStatus",
    "Application",
    "ApplicationStatus",
    "AuditEvent",
    "Award",
    "AwardCostLine",
    "AwardStatus",
    "Contribution",
    "ContributionStatus",
    "ConventionStatus",
    "CostKind",
    "CostStage",
    "Criterion",
    "DataVersion",
    "Delegate",
    "DelegateReport",
    "DonorsGroupMember",
    "Donor",
    "Gender",
    "HistoryImport",
    "Invitation",
    "RecoveryCode",
    "Letter",
    "LetterStatus",
    "Meeting",
    "MeetingKind",
    "MeetingSession",
    "MessageStatus",
    "OutboxMessage",
    "Person",
    "RegionalGroup",
    "ReportExport",
    "Role",
    "ScoringWeight",
    "Slate",
    "SlateStatus",
    "SlateVote",
    "Signatory",
    "State",
    "StoredFile",
    "Theme",
    "User",
    "Vote",
    "UserSession",
    "application_sessions",
    "ApprovalKind",
    "ApprovalRequest",
    "ApprovalStatus",
    "Claim",
    "ClaimCategory",
    "ClaimReceipt",
    "ClaimStatus",
    "Payment",
    "PaymentKind",
    "PaymentStatus",
    "delegate_report_sessions",
]
