# Two entry points for a fresh machine (see README):
#   make demo   installs ganzoo, samples from the shipped weights, trains DCGAN on Fashion-MNIST
#   make test   installs ganzoo with its test tools and runs the suite once per backend,
#               then the reference tests (our FID Inception port vs pytorch-fid)
VENV ?= .venv
PY := $(VENV)/bin/python
# Plain `torch` would pull a multi-GB CUDA build; this pin takes the CPU wheel.
TORCH ?= torch==2.13.0
BACKENDS ?= tensorflow jax torch
# Two workers, one test file each (module fixtures and subprocess tests stay together).
PYTEST_ARGS ?= -n 2 --dist loadfile
FASHION_DIR := /usr/share/datasets/fashion-mnist
# pytorch-fid needs torchvision, which does not import beside the CPU torch above.
REFERENCE_VENV ?= .venv-reference

.PHONY: install data demo test lint docs reference wheel

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "$(TORCH)" -e ".[all,test,docs,examples]"
	touch $@

install: $(VENV)/.installed

# Real Fashion-MNIST, offline, from Debian (60000 train + 10000 test images).
data:
	@if [ ! -f $(FASHION_DIR)/train-images-idx3-ubyte.gz ]; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist; \
		else sudo apt-get update -qq && sudo apt-get install -y -qq dataset-fashion-mnist; fi; \
	fi
	@test -f $(FASHION_DIR)/train-images-idx3-ubyte.gz || { echo "Fashion-MNIST missing: apt-get install dataset-fashion-mnist"; exit 1; }

# Trains on $$KERAS_BACKEND if set, else on the backend measured fastest on this machine
# (a few DCGAN steps per installed backend, once, cached in ~/.cache/ganzoo).
# First samples from the shipped weights (seconds), then a short training run.
DEMO_SHIPPED ?= dcgan cgan
demo: install data
	@for m in $(DEMO_SHIPPED); do $(PY) -m ganzoo sample $$m --weights fashion_mnist --output runs/demo/$$m-shipped.png || exit 1; done
	$(PY) examples/dcgan_fashion_mnist.py

# The wheel as users get it: built with `python -m build`, installed into a fresh venv
# outside the source tree, smoke-tested there (package data included).
wheel: install
	PY=$(PY) scripts/wheel_smoke.sh

lint: install
	$(VENV)/bin/ruff check ganzoo tests examples benchmarks scripts docs

# The docs site, built strictly (any griffe or link warning fails).
docs: install
	KERAS_BACKEND=jax $(VENV)/bin/mkdocs build --strict --site-dir $${SITE_DIR:-site}

test: install data lint docs wheel
	@set -e; for b in $(BACKENDS); do \
		echo "=== pytest on KERAS_BACKEND=$$b ==="; \
		KERAS_BACKEND=$$b $(PY) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS); \
	done
	$(MAKE) reference

$(REFERENCE_VENV)/.installed: scripts/reference_env.sh pyproject.toml
	REFERENCE_VENV=$(REFERENCE_VENV) scripts/reference_env.sh

# The FID Inception port against pytorch-fid given the same .pth file, on every backend;
# the measured differences are appended to reference-results.jsonl.
reference: $(REFERENCE_VENV)/.installed data
	@rm -f reference-results.jsonl
	@set -e; for b in $(BACKENDS); do \
		echo "=== reference tests on KERAS_BACKEND=$$b ==="; \
		GANZOO_REFERENCE=1 GANZOO_REFERENCE_RESULTS=$(CURDIR)/reference-results.jsonl KERAS_BACKEND=$$b \
			$(REFERENCE_VENV)/bin/python -m pytest -q -p no:cacheprovider tests/reference; \
	done
	@cat reference-results.jsonl
