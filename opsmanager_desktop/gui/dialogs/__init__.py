"""Dialogs of the program as a whole: first start, sign-in, password change, settings,
about. Page-specific dialogs live next to their page in gui/pages/."""
