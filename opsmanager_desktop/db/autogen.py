"""Developer tool: `python -m opsmanager_desktop.db.autogen "message" [rev_id]` writes a new
migration from the difference between the models and a database at head."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from opsmanager_desktop.db.engine import make_engine
from opsmanager_desktop.db.migrate import alembic_config, upgrade


def main(argv: list[str]) -> int:
    message = argv[0] if argv else "schema change"
    rev_id = argv[1] if len(argv) > 1 else None
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'autogen.sqlite3'}")
        upgrade(engine)
        config = alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.revision(config, message=message, autogenerate=True, rev_id=rev_id)
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
