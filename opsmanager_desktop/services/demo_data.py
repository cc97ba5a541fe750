"""What the demo data set looks like: people, places, tariffs, consumption and paying habits.
Pure data and random choices (seeded by the caller); services/demo.py writes it."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import IntEnum

from opsmanager_desktop.domain.money import round_money
from opsmanager_desktop.domain.tariff import Category, Slab, SlabMode, Tariff, Tax, TaxBase

D = Decimal

FIRST = ("Aisha", "Ravi", "Priya", "John", "Mary", "Chen", "Fatima", "Kwame", "Lucia", "Omar",
         "Anita", "Peter", "Sunita", "David", "Grace", "Arjun", "Meera", "Samuel", "Ngozi",
         "Carlos", "Elena", "Hassan", "Joy", "Vikram", "Lakshmi", "Michael", "Sarah", "Tunde",
         "Rosa", "Imran", "Deepa", "James", "Amara", "Kofi", "Nadia", "Rahul", "Esther",
         "Tomás", "Zainab", "Wei")
LAST = ("Sharma", "Okafor", "Patel", "Smith", "Mensah", "Fernandes", "Khan", "Nair",
        "Johnson", "Adeyemi", "Iyer", "Garcia", "Reddy", "Mwangi", "Brown", "Das", "Owusu",
        "Menon", "Silva", "Ali", "Kumar", "Williams", "Banerjee", "Eze", "Pillai", "Lopez",
        "Rao", "Boateng", "Thomas", "Singh", "Mukherjee", "Chukwu", "Joseph", "Gupta",
        "Osei", "Martin", "Verma", "Abubakar", "Rossi", "Wang")
STREETS = ("Station Road", "Market Street", "Temple Road", "Lake View", "Church Lane",
           "Hill Road", "Mill Street", "Gandhi Road", "Park Avenue", "River Side",
           "School Lane", "Harbour Road", "Garden Street", "Palm Grove", "Canal Road",
           "Main Road", "Fort Street", "College Road", "Bazaar Street", "Airport Road")
TOWNS = ("Riverton", "Eastfield", "Kottayam", "Northgate", "Lakeside", "Greenhill",
         "Port Amin", "Sundar Nagar", "Westbrook", "Old Town")
SOURCES = ("IMPORT",) * 7 + ("AMR",) * 2 + ("MANUAL",)
READERS = ("fo.anand", "fo.bello", "fo.chandra", "fo.diaz", "fo.eze")
CHANNELS = ("CASH",) * 3 + ("BANK",) * 3 + ("POS",) * 2 + ("ONLINE",) * 3 + ("CHEQUE",)
# electricity use by month (Jan..Dec): air conditioning in the hot months
SEASON = (0.9, 0.9, 1.0, 1.15, 1.3, 1.35, 1.2, 1.1, 1.05, 1.0, 0.95, 0.9)


def _up(rate: str, pct: int) -> Decimal:
    return (D(rate) * (100 + pct) / 100).quantize(D("0.0001"))


def domestic_electricity(rise: int = 0) -> Tariff:
    """Categories by the month's total: small users pay one low rate."""
    return Tariff(
        SlabMode.TELESCOPIC,
        (Category(D("100"), D("30.00"), (Slab(None, _up("3.50", rise)),)),
         Category(None, D("60.00"), (Slab(D("200"), _up("5.00", rise)),
                                     Slab(D("500"), _up("7.00", rise)),
                                     Slab(None, _up("9.50", rise))))),
        taxes=(Tax("Electricity duty", D("5"), TaxBase.ENERGY),
               Tax("VAT", D("7.5"), TaxBase.ENERGY_AND_FIXED)))


COMMERCIAL_ELECTRICITY = Tariff.simple(
    (Slab(D("500"), D("9.00")), Slab(None, D("11.00"))), D("150.00"),
    taxes=(Tax("Electricity duty", D("5"), TaxBase.ENERGY),
           Tax("VAT", D("7.5"), TaxBase.ENERGY_AND_FIXED)),
    fixed_charge_per_kw=D("25.00"), minimum_charge=D("300.00"))
DOMESTIC_WATER = Tariff.simple(
    (Slab(D("10"), D("0.80")), Slab(D("30"), D("1.20")), Slab(None, D("1.80"))), D("5.00"),
    mode=SlabMode.FLAT)
COMMERCIAL_WATER = Tariff.simple(
    (Slab(D("50"), D("1.50")), Slab(None, D("2.20"))), D("20.00"),
    taxes=(Tax("VAT", D("7.5"), TaxBase.ENERGY_AND_FIXED),))


@dataclass(frozen=True)
class PlanSpec:
    code: str
    name: str
    utility: str
    tariff: Tariff
    uses_categories: bool = False


PLANS = (PlanSpec("DOM-E", "Domestic electricity", "electricity", domestic_electricity(), True),
         PlanSpec("COM-E", "Commercial electricity", "electricity", COMMERCIAL_ELECTRICITY),
         PlanSpec("DOM-W", "Domestic water", "water", DOMESTIC_WATER),
         PlanSpec("COM-W", "Commercial water", "water", COMMERCIAL_WATER))
RATE_RISE_PCT = 8  # DOM-E gets a new version half-way through the year


@dataclass(frozen=True)
class Person:
    name: str
    address: str
    phone: str
    email: str


def person(rng: random.Random, number: int) -> Person:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    address = f"{rng.randint(1, 250)} {rng.choice(STREETS)}, {rng.choice(TOWNS)}"
    phone = f"07{rng.randint(0, 99_999_999):08d}"
    mail_name = f"{first}.{last}".lower().replace("á", "a").replace("ó", "o")
    return Person(f"{first} {last}", address, phone, f"{mail_name}{number}@example.com")


class Habit(IntEnum):
    """How a customer pays."""

    PUNCTUAL = 0  # in full before the due date
    LATE = 1  # in full, after the due date
    PARTIAL = 2  # part of each bill
    DEFAULTER = 3  # rarely; their arrears grow


def habit(rng: random.Random) -> Habit:
    roll = rng.random()
    if roll < 0.72:
        return Habit.PUNCTUAL
    if roll < 0.82:
        return Habit.LATE
    if roll < 0.92:
        return Habit.PARTIAL
    return Habit.DEFAULTER


def payment_for(rng: random.Random, kind: Habit, balance: Decimal, issued: date, due: date
                ) -> tuple[Decimal, date] | None:
    """The payment a customer of this habit makes on a bill (None: none)."""
    if balance <= 0:
        return None
    if kind is Habit.PUNCTUAL:
        return balance, issued + timedelta(days=rng.randint(2, 12))
    if kind is Habit.LATE:
        return balance, due + timedelta(days=rng.randint(2, 25))
    if kind is Habit.PARTIAL:
        part = round_money(balance * D(rng.randint(40, 80)) / 100)
        part = max(part.quantize(D("1")), D("1.00")).quantize(D("0.01"))
        return min(part, balance), issued + timedelta(days=rng.randint(4, 20))
    if rng.random() < 0.2:
        return balance, due + timedelta(days=rng.randint(20, 60))
    return None


def monthly_units(rng: random.Random, base: int, month: int, water: bool) -> int:
    factor = 1.0 if water else SEASON[month - 1]
    return max(0, round(base * factor * rng.uniform(0.8, 1.2)))
