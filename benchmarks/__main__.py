"""Run every benchmarks/bench_*.py module's main(argv).

    python -m benchmarks                 # all, default sizes, SQLite and MariaDB
    python -m benchmarks billing --n 1000000 --db mysql
    python -m benchmarks export --n 1000000 --db mysql --tries 1
    BENCH_ARGS="billing --n 200000" make bench
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(m.name[len("bench_"):] for m in pkgutil.iter_modules([str(here)])
                   if m.name.startswith("bench_"))
    chosen = [a for a in argv if not a.startswith("-") and a in names]
    rest = [a for a in argv if a not in chosen]
    for name in chosen or names:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        print(f"\n=== {name} ===", flush=True)
        module.main(rest)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
