"""The frozen program's entry point (both executables): the same main() as the
`opsmanager` console script and `python -m opsmanager_desktop`."""

import multiprocessing

# Bill printing renders in "spawn" worker processes (services/printing.py). A frozen
# program has no Python to start them with: each worker is this executable started again
# with --multiprocessing-fork, and this call turns such a start into the worker (and
# returns at once otherwise). It must run before anything else.
multiprocessing.freeze_support()

from opsmanager_desktop.cli.main import main  # noqa: E402 - after freeze_support

raise SystemExit(main())
