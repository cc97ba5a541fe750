"""`pip install .` must give a working program: every package folder listed, resources/,
ui/ and the migrations inside the wheel."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _listed_packages() -> set[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return set(data["tool"]["setuptools"]["packages"])


def test_every_package_folder_is_listed() -> None:
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "opsmanager_desktop").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert found <= _listed_packages(), f"add to pyproject.toml packages: {found - _listed_packages()}"


def test_wheel_carries_resources_ui_and_migrations(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(ROOT)],
        check=True, capture_output=True)
    wheel = next(tmp_path.glob("opsmanager_desktop-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "opsmanager_desktop/resources/style.qss" in names or any(
        n.startswith("opsmanager_desktop/resources/") for n in names)
    assert any(n.startswith("opsmanager_desktop/db/migrations/versions/") and n.endswith(".py")
               and "initial" in n for n in names)
    assert "opsmanager_desktop/db/alembic.ini" in names
    assert "opsmanager_desktop/db/migrations/script.py.mako" in names
    for resource in (ROOT / "resources").rglob("*"):
        if resource.is_file() and resource.suffix in (".qss", ".svg", ".png"):
            rel = resource.relative_to(ROOT / "resources").as_posix()
            assert f"opsmanager_desktop/resources/{rel}" in names, rel
    for form in (ROOT / "ui").glob("*.ui"):
        assert f"opsmanager_desktop/ui/{form.name}" in names, form.name
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "opsmanager = opsmanager_desktop.cli.main:main" in text
