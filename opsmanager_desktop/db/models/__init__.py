"""All tables, imported here so Base.metadata knows every one."""

from opsmanager_desktop.db.models.assets import (
    DtReading,
    MaintenanceLog,
    MaintenanceSchedule,
    Substation,
    Transformer,
)
from opsmanager_desktop.db.models.billing import (
    AccountCharge,
    Bill,
    BillAdjustment,
    BillingRun,
    BillLine,
)
from opsmanager_desktop.db.models.complaints import (
    Complaint,
    ComplaintCategory,
    ComplaintHistory,
    ComplaintSubcategory,
    SupportTicket,
    SupportTicketHistory,
)
from opsmanager_desktop.db.models.customers import Connection, Customer, MeterReplacement
from opsmanager_desktop.db.models.disconnection import (
    DisconnectionEntry,
    DisconnectionList,
    DisconnectionRules,
    DisconnectionTicket,
)
from opsmanager_desktop.db.models.distribution import BillDelivery, BillDeliveryState
from opsmanager_desktop.db.models.field_records import Enumeration, Evaluation, FieldPhoto
from opsmanager_desktop.db.models.notifications import (
    ContactPreference,
    NotificationOutbox,
    NotificationTemplate,
)
from opsmanager_desktop.db.models.payments import Payment, PaymentAllocation, PaymentReversal
from opsmanager_desktop.db.models.readings import MeterReading
from opsmanager_desktop.db.models.statements import Statement
from opsmanager_desktop.db.models.tariffs import (
    BillingCycle,
    TariffCategory,
    TariffPlan,
    TariffSlab,
    TariffTax,
    TariffVersion,
    UtilityType,
)
from opsmanager_desktop.db.models.teams import Team, TeamMember
from opsmanager_desktop.db.models.users import AuditEntry, Setting, User, UserSession

__all__ = [
    "AccountCharge",
    "AuditEntry",
    "Bill",
    "BillAdjustment",
    "BillDelivery",
    "BillDeliveryState",
    "BillLine",
    "BillingCycle",
    "BillingRun",
    "Complaint",
    "ComplaintCategory",
    "ComplaintHistory",
    "ComplaintSubcategory",
    "Connection",
    "ContactPreference",
    "Customer",
    "DisconnectionEntry",
    "DisconnectionList",
    "DisconnectionRules",
    "DisconnectionTicket",
    "DtReading",
    "Enumeration",
    "Evaluation",
    "FieldPhoto",
    "MaintenanceLog",
    "MaintenanceSchedule",
    "MeterReading",
    "MeterReplacement",
    "NotificationOutbox",
    "NotificationTemplate",
    "Payment",
    "PaymentAllocation",
    "PaymentReversal",
    "Setting",
    "Statement",
    "Substation",
    "SupportTicket",
    "SupportTicketHistory",
    "TariffCategory",
    "TariffPlan",
    "TariffSlab",
    "TariffTax",
    "TariffVersion",
    "Team",
    "TeamMember",
    "Transformer",
    "User",
    "UserSession",
    "UtilityType",
]
