# Set-up and everyday commands. Each target creates .venv first when it is missing,
# so `make demo` and `make test` both work as the first command on a fresh clone.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# Two pytest workers, one per core, each test file kept in one worker (its
# module/session fixtures are built once): the suite took 14m41s serially and
# 7m40s this way on the 2-core CI machine. `make test PYTEST_ARGS=` runs serially.
PYTEST_ARGS ?= -n 2 --dist loadfile

.PHONY: venv demo test bench clean

$(STAMP): setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip wheel setuptools
	$(PY) -m pip install --quiet -e '.[dev,eval]'
	# The native warp and LSTM kernels (~15 s with g++, cached per TF version and
	# source); without g++ both fall back to TensorFlow ops.
	$(PY) -m tf_deepexag.build_kernels || echo "native kernels not built"
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(PY) -m tf_deepexag demo

test: $(STAMP)
	$(PY) -m pytest tests $(PYTEST_ARGS)

bench: $(STAMP)
	for b in bench/*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf runs demo_out build *.egg-info .pytest_cache
