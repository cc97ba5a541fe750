"""All tables, imported here so Base.metadata knows every one."""

from opsmanager_desktop.db.models.assets import (
    DtReading,
    MaintenanceLog,
    MaintenanceSchedule,
    Substation,
    Transformer,
)
from opsmanager_desktop.db.models.billing import Bill, BillAdjustment, BillingRun, BillLine
from opsmanager_desktop.db.models.customers import Connection, Customer, MeterReplacement
from opsmanager_desktop.db.models.distribution import BillDelivery, BillDeliveryState
from opsmanager_desktop.db.models.payments import Payment, PaymentAllocation, PaymentReversal
from opsmanager_desktop.db.models.readings import MeterReading
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
    "AuditEntry",
    "Bill",
    "BillAdjustment",
    "BillDelivery",
    "BillDeliveryState",
    "BillLine",
    "BillingCycle",
    "BillingRun",
    "Connection",
    "Customer",
    "DtReading",
    "MaintenanceLog",
    "MaintenanceSchedule",
    "MeterReading",
    "MeterReplacement",
    "Payment",
    "PaymentAllocation",
    "PaymentReversal",
    "Setting",
    "Substation",
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
