"""Developer tool: `python -m opsmanager_desktop.db.autogen "message" [rev_id]` writes a new
migration from the difference between the models and a database at head."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from opsmanager_desktop.db.engine import make_engine
from opsmanager_desktop.db.migrate import alembic_config, upgrade

_VERSIONS = Path(__file__).resolve().parent / "migrations" / "versions"


def main(argv: list[str]) -> int:
    message = argv[0] if argv else "schema change"
    rev_id = argv[1] if len(argv) > 1 else None
    with tempfile.TemporaryDirectory() as tmp:
        # regenerating 0001: the hand-written revisions after it (0002 on) point at 0001,
        # which is gone meanwhile; set them aside so 0001 is made from the models alone
        parked = []
        if rev_id == "0001":
            for path in sorted(_VERSIONS.glob("*_0*.py")):
                if "_0001_" not in path.name:
                    parked.append(path)
                    path.rename(Path(tmp) / path.name)
        try:
            engine = make_engine(f"sqlite:///{Path(tmp) / 'autogen.sqlite3'}")
            upgrade(engine)
            config = alembic_config()
            with engine.begin() as conn:
                config.attributes["connection"] = conn
                command.revision(config, message=message, autogenerate=True, rev_id=rev_id)
            engine.dispose()
        finally:
            for path in parked:
                (Path(tmp) / path.name).rename(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
