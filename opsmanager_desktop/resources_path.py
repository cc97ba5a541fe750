"""Find resources/ and ui/ both in a source checkout and inside an installed wheel."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def _package_dir(name: str) -> Path:
    try:
        return Path(str(resources.files(f"opsmanager_desktop.{name}")))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / name


def resource(*parts: str) -> Path:
    return _package_dir("resources").joinpath(*parts)


def ui_form(name: str) -> Path:
    return _package_dir("ui") / name
