"""Build dist/OpsManager/ with PyInstaller, then smoke-test it; print the figures.

    python installer/build.py               (make installer: clean build + smoke test)
    python installer/build.py --no-smoke    (build only)
    python installer/build.py --smoke-only  (test the folder already built)

Runs on Linux and on Windows alike (IT's steps are in installer/README.md); needs
`pip install -e .[installer]` (or `.[installer]`) in the Python that runs it.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"
FOLDER = DIST / "OpsManager"


def folder_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    return sum(p.stat().st_size for p in files), len(files)


def largest(folder: Path, count: int = 8) -> list[tuple[int, str]]:
    """The biggest top-level entries of _internal/ (where to look when the folder grows)."""
    inner = folder / "_internal"
    sizes = []
    for entry in inner.iterdir():
        if entry.is_symlink():  # Qt libraries linked into the top level: counted once
            continue
        size = entry.stat().st_size if entry.is_file() else folder_size(entry)[0]
        sizes.append((size, entry.name))
    return sorted(sizes, reverse=True)[:count]


def build() -> float:
    if importlib.util.find_spec("PyInstaller") is None:
        raise SystemExit("PyInstaller is not installed: pip install -e '.[installer]'")
    shutil.rmtree(FOLDER, ignore_errors=True)
    started = time.perf_counter()
    # the assets script renders the icon offscreen; a build server has no display either
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean",
               "--log-level", "WARN", "--distpath", str(DIST), "--workpath", str(WORK),
               str(HERE / "opsmanager.spec")]
    print("$", " ".join(command), flush=True)
    done = subprocess.run(command, cwd=ROOT, env=env)
    if done.returncode != 0:
        raise SystemExit(f"PyInstaller failed (exit {done.returncode})")
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-smoke", action="store_true", help="build only")
    parser.add_argument("--smoke-only", action="store_true", help="test the existing build")
    args = parser.parse_args()
    build_s = None if args.smoke_only else build()
    size, files = folder_size(FOLDER)
    print(f"\n{FOLDER.relative_to(ROOT)}: {size / 2**20:.0f} MiB in {files:,} files")
    for part_size, name in largest(FOLDER):
        print(f"  {part_size / 2**20:6.1f} MiB  _internal/{name}")
    smoke_s = None
    if not args.no_smoke:
        sys.path.insert(0, str(HERE))
        import smoke_test

        started = time.perf_counter()
        code = smoke_test.main([str(FOLDER)])
        smoke_s = time.perf_counter() - started
        if code != 0:
            return code
    print("\nfigures: " + ", ".join(filter(None, [
        f"build {build_s:.0f} s" if build_s is not None else "",
        f"folder {size / 2**20:.0f} MiB ({files:,} files)",
        f"smoke test {smoke_s:.0f} s" if smoke_s is not None else "",
    ])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
