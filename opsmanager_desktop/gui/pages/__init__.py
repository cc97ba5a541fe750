"""The pages of the main window; see registry.py for how a page is added."""
