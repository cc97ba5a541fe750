"""Ops Manager Desktop: the back office of a power and water distribution company."""

__version__ = "0.1.0"
