from .accounts import RoleAssignment, User
from .audit import AuditEvent, TransitionLog
from .campaigns import CalendarOverride, Campaign
from .organisations import Channel, Unit
from .reference import ReferenceItem
from .security import PasswordHistory

__all__ = [
    "AuditEvent",
    "CalendarOverride",
    "Campaign",
    "Channel",
    "PasswordHistory",
    "ReferenceItem",
    "RoleAssignment",
    "TransitionLog",
    "Unit",
    "User",
]
