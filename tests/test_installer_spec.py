"""The installer recipe stays in step with the package, without building it (`make installer`
does that): the spec ships every data file the package uses, the version comes from
opsmanager_desktop.__version__ only, and the Inno Setup script takes it from the build.

The spec is read with ast: its `tree` helper and its data list are evaluated with stand-ins
for PyInstaller's helpers, so PyInstaller need not be installed."""

from __future__ import annotations

import ast
import importlib.util
import re
import struct
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from opsmanager_desktop import __version__

ROOT = Path(__file__).resolve().parent.parent
INSTALLER = ROOT / "installer"
SPEC = INSTALLER / "opsmanager.spec"
ISS = INSTALLER / "opsmanager.iss"
PKG = ROOT / "opsmanager_desktop"
SPEC_NAMES = {"SPEC_DIR", "ROOT", "PKG", "MIGRATIONS", "MIGRATION_SCRIPTS", "datas",
              "APP_NAME", "GUI_EXE", "CLI_EXE"}


def _spec_tree() -> ast.Module:
    return ast.parse(SPEC.read_text(encoding="utf-8"), filename=str(SPEC))


def _spec_namespace() -> dict[str, Any]:
    """Run the spec's `tree` function and the assignments that build its data list."""
    module = _spec_tree()
    body: list[ast.stmt] = [
        node for node in module.body
        if (isinstance(node, ast.FunctionDef) and node.name == "tree")
        or (isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id in SPEC_NAMES for t in node.targets))]
    namespace: dict[str, Any] = {
        "Path": Path, "SPECPATH": str(INSTALLER),
        "collect_data_files": lambda name: [],
        "ASSETS": {"png": Path("/assets/opsmanager.png"), "ico": Path("/assets/opsmanager.ico")},
    }
    exec(compile(ast.Module(body=body, type_ignores=[]), str(SPEC), "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def shipped() -> set[tuple[str, str]]:
    """(source file, destination) pairs, both as posix paths relative to the project / bundle."""
    pairs = set()
    for source, dest in _spec_namespace()["datas"]:
        path = Path(source)
        if path.is_relative_to(ROOT):
            pairs.add((path.relative_to(ROOT).as_posix(), Path(dest).as_posix()))
    return pairs


def _data_files_the_package_uses() -> list[tuple[Path, str]]:
    """Every file pyproject puts in the wheel besides Python code, with the package folder it
    belongs to at run time (resources/ -> opsmanager_desktop/resources), plus the migration
    scripts, which Alembic reads from disk by path."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    package_dirs = setuptools.get("package-dir", {})
    found: list[tuple[Path, str]] = []
    for package, patterns in setuptools["package-data"].items():
        folder = ROOT / package_dirs.get(package, package.replace(".", "/"))
        for pattern in patterns:
            for path in folder.glob(pattern):
                if path.is_file():
                    rel = path.parent.relative_to(folder)
                    found.append((path, (Path(package.replace(".", "/")) / rel).as_posix()))
    for package, folder_name in package_dirs.items():  # whole mapped folders (icons/ etc.)
        folder = ROOT / folder_name
        for path in folder.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                rel = path.parent.relative_to(folder)
                found.append((path, (Path(package.replace(".", "/")) / rel).as_posix()))
    migrations = PKG / "db" / "migrations"
    for path in [migrations / "env.py", *migrations.glob("versions/*.py")]:
        found.append((path, path.parent.relative_to(ROOT).as_posix()))
    return found


def test_spec_is_python_and_names_the_entry_point() -> None:
    text = SPEC.read_text(encoding="utf-8")
    _spec_tree()
    assert 'SPEC_DIR / "entry.py"' in text
    entry = (INSTALLER / "entry.py").read_text(encoding="utf-8")
    # printing's spawn workers are the executable started again: freeze_support comes first
    assert 0 < entry.index("multiprocessing.freeze_support()") < entry.index(
        "from opsmanager_desktop.cli.main import main")


def test_spec_ships_every_data_file_the_package_uses(shipped: set[tuple[str, str]]) -> None:
    missing = [f"{path.relative_to(ROOT).as_posix()} -> {dest}"
               for path, dest in _data_files_the_package_uses()
               if (path.relative_to(ROOT).as_posix(), dest) not in shipped]
    assert not missing, f"installer/opsmanager.spec does not ship: {missing}"


@pytest.mark.parametrize("needed", [
    ("resources/style.qss", "opsmanager_desktop/resources"),
    ("resources/icons/logo.svg", "opsmanager_desktop/resources/icons"),
    # on disk as a real package: resources/ maps into the package only through package-dir
    ("resources/__init__.py", "opsmanager_desktop/resources"),
    ("ui/about.ui", "opsmanager_desktop/ui"),
    ("ui/__init__.py", "opsmanager_desktop/ui"),
    ("opsmanager_desktop/db/alembic.ini", "opsmanager_desktop/db"),
    ("opsmanager_desktop/db/migrations/script.py.mako", "opsmanager_desktop/db/migrations"),
    ("opsmanager_desktop/db/migrations/env.py", "opsmanager_desktop/db/migrations"),
])
def test_spec_ships_the_named_folders(shipped: set[tuple[str, str]],
                                      needed: tuple[str, str]) -> None:
    assert needed in shipped


def test_spec_imports_what_is_only_imported_by_name() -> None:
    text = SPEC.read_text(encoding="utf-8")
    # command modules, pages and the demo are imported with importlib
    assert 'collect_submodules("opsmanager_desktop"' in text
    # what Alembic's env.py and versions/*.py import, found by reading them
    assert "imported_by(MIGRATION_SCRIPTS)" in text
    for module in ("sqlalchemy.dialects.mysql.pymysql", "sqlalchemy.dialects.sqlite",
                   "alembic.ddl.mysql", "alembic.ddl.sqlite", "bcrypt", "jwt",
                   "platformdirs", "openpyxl", "matplotlib.backends.backend_qtagg"):
        assert f'"{module}"' in text, module


def test_spec_takes_the_version_from_the_package() -> None:
    text = SPEC.read_text(encoding="utf-8")
    assert "VERSION = package_version()" in text
    assert 'version=str(ASSETS["version"])' in text
    literal = re.findall(r"['\"]\d+\.\d+(?:\.\d+)?[^'\"]*['\"]", text)
    assert not literal, f"a version written into the spec: {literal}"


def _assets() -> ModuleType:
    spec = importlib.util.spec_from_file_location("installer_assets", INSTALLER / "assets.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_version_resource_is_generated_from_the_package_version() -> None:
    assets = _assets()
    assert assets.package_version() == __version__
    text = assets.version_file_text(__version__)
    numbers = assets.version_tuple(__version__)
    assert f"filevers={numbers}" in text and f"prodvers={numbers}" in text
    assert f"StringStruct('ProductVersion', '{__version__}')" in text
    assert f"StringStruct('FileVersion', '{__version__}')" in text
    ast.parse(text)  # PyInstaller evaluates it as a Python expression


@pytest.mark.parametrize(("version", "numbers"), [
    ("0.1.0", (0, 1, 0, 0)), ("1.2", (1, 2, 0, 0)), ("2.0.1rc1", (2, 0, 1, 0)),
    ("3.4.5+local.7", (3, 4, 5, 0)),
])
def test_version_tuple_has_four_numbers(version: str, numbers: tuple[int, ...]) -> None:
    assert _assets().version_tuple(version) == numbers


def test_ico_container_lists_every_size() -> None:
    pngs = {16: b"a" * 10, 32: b"b" * 20, 256: b"c" * 30}
    data = _assets().ico_bytes(pngs)
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind, count) == (0, 1, 3)
    entries = [struct.unpack_from("<BBBBHHII", data, 6 + 16 * i) for i in range(count)]
    assert [e[0] for e in entries] == [16, 32, 0]  # 0 stands for 256
    for (_w, _h, _c, _r, _planes, _bits, size, offset), png in zip(
            entries, [pngs[16], pngs[32], pngs[256]], strict=True):
        assert data[offset:offset + size] == png


def test_inno_setup_script_reads_the_version_from_the_build() -> None:
    text = ISS.read_text(encoding="utf-8")
    assert re.search(r'#define AppVersion GetStringFileInfo\(DistDir \+ "\\" \+ CliExe, '
                     r'"ProductVersion"\)', text)
    assert "AppVersion={#AppVersion}" in text
    assert __version__ not in text
    assert not re.search(r"\b\d+\.\d+\.\d+\b", text), "a version written into the .iss"


def test_inno_setup_script_names_what_the_spec_builds() -> None:
    names = _spec_namespace()
    text = ISS.read_text(encoding="utf-8")
    assert f'#define GuiExe "{names["GUI_EXE"]}.exe"' in text
    assert f'#define CliExe "{names["CLI_EXE"]}.exe"' in text
    assert f'"..\\dist\\{names["APP_NAME"]}"' in text
    assert "_internal\\opsmanager.ico" in text  # shipped by the spec's data list


def test_installer_build_is_not_part_of_make_test() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    rules = dict(re.findall(r"^([a-z]+):([^\n=]*)$", makefile, re.MULTILINE))
    assert "installer" in rules
    pending, seen = ["test"], set()
    while pending:  # every target `make test` reaches
        target = pending.pop()
        if target in seen or target not in rules:
            continue
        seen.add(target)
        pending += rules[target].split()
    assert "installer" not in seen
    optional = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    assert any(d.lower().startswith("pyinstaller") for d in optional["installer"])
