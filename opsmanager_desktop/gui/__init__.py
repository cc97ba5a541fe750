"""The PySide6 desktop: windows, pages, table models, dialogs, background workers.

Thin by rule: widgets call services and show what comes back; no business rule lives here.

Where things are (read these docstrings before writing a page):
- launch.py          `launch_gui(db_url)`: QApplication, logging, style, the controller
- app_controller.py  the start-up flow: database -> first admin -> sign-in -> main window,
                     sign-out and session end
- main_window.py     sidebar (pages by permission), stacked pages, menus, shortcuts, status
- pages/registry.py  the page registry; pages/base.py the ListPage every table page uses
- table_model.py     PagedTableModel + Column: lazy, service-sorted, never the whole table
- table_view.py      DataTable: header state, empty text, row activation
- filter_bar.py      debounced search + choice combos, state remembered per page
- tasks.py           background work on a QThreadPool, callbacks on the GUI thread
- progress.py        long jobs with a progress dialog and Cancel
- forms.py           FormDialog: thin data-entry dialogs, messages next to the fields
- errors.py          how errors are shown (never a traceback) and logged
- banner.py          the outage banner with Retry (typed input is kept)
- lock.py            idle lock: curtain over the windows, password to unlock
- settings_store.py  QSettings (never a password) and in-memory secrets
- icons.py           icons, logo and style sheet from resources/
- screenshots.py     `python -m opsmanager_desktop.gui.screenshots DIR`
"""
