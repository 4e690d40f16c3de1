from .accounts import RoleAssignment, User
from .audit import AuditEvent, TransitionLog
from .campaigns import CalendarOverride, Campaign
from .organisations import Channel, Unit
from .reference import ReferenceItem

__all__ = [
    "AuditEvent",
    "CalendarOverride",
    "Campaign",
    "Channel",
    "ReferenceItem",
    "RoleAssignment",
    "TransitionLog",
    "Unit",
    "User",
]
