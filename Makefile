# The two commands a newcomer needs: `make run` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export QT_QPA_PLATFORM ?= offscreen

.PHONY: run test lint unit bench screenshots installer clean venv

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	QT_QPA_PLATFORM= $(VENV)/bin/opsmanager

lint: $(STAMP)
	$(VENV)/bin/ruff check opsmanager_desktop tests benchmarks
	$(VENV)/bin/mypy opsmanager_desktop

unit: $(STAMP)
	$(PY) -m pytest -q --durations=15 $(PYTEST_ARGS)

test: lint unit

bench: $(STAMP)
	$(PY) -m benchmarks $(BENCH_ARGS)

screenshots: $(STAMP)
	$(PY) -m opsmanager_desktop.gui.screenshots docs/screenshots

# the desktop folder dist/OpsManager/ (PyInstaller) and its smoke test; slow, not in `test`
installer: $(STAMP)
	$(PY) -m pip install --quiet -e '.[installer]'
	$(PY) installer/build.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
