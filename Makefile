# Two commands matter: `make demo` (the main job on the local cloud twin) and `make test` (everything CI runs).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
COLLECTIONS := $(CURDIR)/$(VENV)/collections
COLLECTION_LINK := $(COLLECTIONS)/ansible_collections/cloudbridge/hybrid_vpn
TWIN_STATE ?= $(CURDIR)/.twin
# The collection is importable under its FQCN from the working tree, no copy: a symlink in the venv. The twin is a
# package of its own (twin/, installed editable: `cloudbridge-twin`); tests/ holds the protocol tier's package.
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export PYTHONPATH := $(CURDIR)/tests:$(COLLECTIONS)
export ANSIBLE_HOME := $(CURDIR)/$(VENV)/ansible-home
export PATH := $(BIN):$(PATH)
PYTEST := $(BIN)/python -m pytest -p no:cacheprovider

.PHONY: setup test lint sanity unit twin-test integration install-test protocol molecule reliability \
	reliability-short bench demo twin-up twin-down build release ee clean

$(VENV)/.installed: requirements.txt requirements-dev.txt twin/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	$(BIN)/python -m pip install -q -e twin
	touch $@

$(COLLECTION_LINK): | $(VENV)/.installed
	mkdir -p $(dir $@)
	ln -sfn $(CURDIR) $@

setup: $(VENV)/.installed $(COLLECTION_LINK)

test: lint sanity unit twin-test integration install-test protocol molecule reliability-short

lint: setup
	$(BIN)/ruff check .
	$(BIN)/yamllint -s .
	$(BIN)/ansible-lint --profile production
	$(BIN)/antsibull-changelog lint

# ansible-test sanity (every test that applies to a collection) on a copy of the working tree laid out as
# ansible_collections/cloudbridge/hybrid_vpn, the collections it needs beside it (the ones ansible ships); the copy
# is outside the checkout, where ansible-test would take the checkout's git file list (.venv is git-ignored).
# ansible-test's own virtual environments (~/.ansible/test/venv, kept between runs) get pip from its bootstrap
# script, looked for in ~/.ansible/test/cache (~ is $$HOME, not ANSIBLE_HOME) and downloaded from a host unreachable
# here: a stand-in (tests/sanity/get_pip.py) goes there unless one is; requirements come from PyPI as usual.
SANITY_ROOT := $(or $(TMPDIR),/tmp)/cloudbridge-sanity-$(shell echo $(CURDIR) | md5sum | cut -c1-8)
SANITY_TREE := $(SANITY_ROOT)/ansible_collections/cloudbridge/hybrid_vpn
SHIPPED := $(CURDIR)/$(VENV)/lib/python3.11/site-packages/ansible_collections
# Not the collection's content (not in the Galaxy tarball either): the twin, the benchmark and the pytest suites that
# run them (ruff and pytest check those); tests/unit stays, it is laid out for ansible-test.
SANITY_SKIP := twin bench tests/unit/bench tests/integration tests/protocol tests/install tests/reliability
ANSIBLE_TEST_PIP = $(shell sed -n "s/^ *pip='\(.*\)',/\1/p" $(VENV)/lib/python3.11/site-packages/ansible_test/_internal/python_requirements.py)
sanity: setup
	mkdir -p $(SANITY_TREE)/tests $(HOME)/.ansible/test/cache
	find $(SANITY_TREE) -mindepth 1 -maxdepth 1 ! -name tests -exec rm -rf {} +
	find $(SANITY_TREE)/tests -mindepth 1 -maxdepth 1 ! -name output -exec rm -rf {} +
	git ls-files -z -co --exclude-standard -- . $(SANITY_SKIP:%=':!%') | tar --null -T - --ignore-failed-read -cf - | tar -xf - -C $(SANITY_TREE)
	for dep in amazon/aws community/aws community/general google/cloud; do \
	  mkdir -p $(SANITY_ROOT)/ansible_collections/$$(dirname $$dep); \
	  ln -sfn $(SHIPPED)/$$dep $(SANITY_ROOT)/ansible_collections/$$dep; done
	cp -n tests/sanity/get_pip.py $(HOME)/.ansible/test/cache/get_pip_$(subst .,_,$(ANSIBLE_TEST_PIP)).py
	cd $(SANITY_TREE) && env -u PYTHONPATH -u ANSIBLE_COLLECTIONS_PATH \
	  $(BIN)/ansible-test sanity --python 3.11 --color no

unit: setup
	$(PYTEST) -q tests/unit

twin-test: setup
	$(PYTEST) -q -n 2 twin/tests

integration: setup
	$(PYTEST) -q -n 2 --dist loadfile --durations=12 tests/integration

# The tarball `make build` made, installed into an empty collections path (dependencies: the collections the
# pinned ansible ships), and site.yml run by its FQCN from an empty directory on a twin: it converges.
install-test: build
	HYBRID_VPN_TARBALL=$(TARBALL) $(PYTEST) -q tests/install

# Real IKEv2 (strongSwan) and BGP (FRR) in two network namespaces on what site.yml configured (docs/protocol.md);
# prints per tunnel the IKE/CHILD SA and BGP states they report. Skipped, with the reason, where it cannot run.
protocol: setup
	$(PYTEST) -q -rs tests/protocol

# The reliability suite (tests/reliability): site.yml through 30% injected faults on both clouds, site.yml and
# teardown.yml interrupted (SIGINT, SIGKILL) at every kind of write then rerun, bad input across all four roles,
# wrong or missing credentials, wrong accounts and projects, key searches over -vvvv / --diff / check-mode / failed
# runs and build/; prints a summary table at the end. `make test` runs the cases marked short (about 6 minutes on
# 2 cores; all of it: about 40).
reliability: setup
	$(PYTEST) -q -n 2 --dist load tests/reliability

reliability-short: setup
	$(PYTEST) -q -n 2 --dist load -m short tests/reliability

# Every scenario (`molecule test --all` runs the same, one after another), two at a time: each has a twin of its own
# on free ports and an ephemeral directory of its own, and one scenario keeps about one core busy. A scenario's log
# goes to .venv/molecule/<scenario>.log, printed (its end) when it fails.
MOLECULE_SCENARIOS := default $(filter-out default shared,$(notdir $(wildcard extensions/molecule/*)))
molecule: setup
	mkdir -p $(VENV)/molecule
	cd extensions && printf '%s\n' $(MOLECULE_SCENARIOS) | xargs -P 2 -I{} sh -c '\
	  log=$(CURDIR)/$(VENV)/molecule/{}.log; start=$$(date +%s); \
	  if $(BIN)/molecule test -s {} > $$log 2>&1; then echo "molecule {}: passed in $$(( $$(date +%s) - start )) s"; \
	  else echo "molecule {}: FAILED ($$log), its end:"; tail -n 120 $$log; exit 1; fi'

# The speed figures of issue 14 (bench/__main__.py), side by side in one run: cold site.yml at latency 1/20 against
# its critical path and at 0 (fixed overhead), the no-op rerun, teardown, the naive baseline (bench/naive.yml), 10
# spokes. Prints the table README shows and writes build/bench.json. Not part of `make test`: no timing assertion.
bench: setup
	$(BIN)/python -m bench

twin-up: setup
	$(BIN)/cloudbridge-twin up --state-dir $(TWIN_STATE)

twin-down: setup
	$(BIN)/cloudbridge-twin down --state-dir $(TWIN_STATE)

# Brings the twin up, builds and verifies the VPN on it, shows the report, tears it down, and brings the
# twin down whatever happened. TWIN_PROTOCOL=1: after site.yml, real IKE and BGP come up from what it
# configured (strongSwan and FRR, docs/protocol.md) and verify.yml runs again on what they negotiated.
demo: setup
	$(BIN)/cloudbridge-twin up --state-dir $(TWIN_STATE) --latency-scale $${TWIN_LATENCY_SCALE:-0.002}
	set -a; . $(TWIN_STATE)/env; set +a; \
	  $(BIN)/ansible-playbook -i inventories/sandbox playbooks/site.yml \
	  && { [ -z "$${TWIN_PROTOCOL:-}" ] || $(BIN)/python -m protocol -- \
	       $(BIN)/ansible-playbook -i inventories/sandbox playbooks/verify.yml; } \
	  && cat build/report-sandbox.md \
	  && $(BIN)/ansible-playbook -i inventories/sandbox playbooks/teardown.yml -e hybrid_vpn_teardown_confirm=sandbox; rc=$$?; \
	  $(BIN)/cloudbridge-twin down --state-dir $(TWIN_STATE); exit $$rc

# The Galaxy tarball (galaxy.yml build_ignore), then its listing: no test, twin, dev tool, build output or cache in it.
DIST := $(CURDIR)/$(VENV)/dist
TARBALL = $(DIST)/cloudbridge-hybrid_vpn-$(shell sed -n 's/^version: *//p' galaxy.yml).tar.gz
build: setup
	rm -rf $(DIST)
	$(BIN)/ansible-galaxy collection build --force --output-path $(DIST) .
	@tar -tzf $(TARBALL) > $(DIST)/files.txt
	@if grep -nE '(^|/)(tests|twin|bench|extensions|\.venv|\.twin|build|\.ci|__pycache__|\.pytest_cache|\.ruff_cache|\.ansible)(/|$$)|\.pyc$$|(^|/)(conftest\.py|test_[^/]*\.py|Makefile|ansible\.cfg)$$' $(DIST)/files.txt; then \
	  echo "build: the files above must not be in $(TARBALL) (galaxy.yml build_ignore)" >&2; exit 1; fi
	@echo "build: $(TARBALL), $$(grep -vc '/$$' $(DIST)/files.txt) files, no test/twin/cache file"

# A release: the changelog fragments become changelogs/changelog.yaml and CHANGELOG.md (for galaxy.yml's version),
# then the tarball, which ships that changelog. Commit the result and tag it.
release: setup
	$(BIN)/antsibull-changelog release
	$(MAKE) build

# The execution environment's build context (execution-environment.yml, docs/awx.md; no container engine needed),
# then what its Containerfile will do, checked here offline: the galaxy stage installs the tarball with its
# dependencies (taken from the collections ansible ships instead of Galaxy), introspection finds the collection's
# Python requirements and system packages.
EE_CONTEXT := $(CURDIR)/$(VENV)/ee
ee: build
	cp $(TARBALL) $(DIST)/cloudbridge-hybrid_vpn.tar.gz
	rm -rf $(EE_CONTEXT) $(EE_CONTEXT)-check
	$(BIN)/ansible-builder create -f execution-environment.yml --context $(EE_CONTEXT) --output-filename Containerfile
	grep -E '^RUN .*ansible-galaxy collection install .*-r requirements.yml' $(EE_CONTEXT)/Containerfile
	grep -Fx -- '- name: collections/cloudbridge-hybrid_vpn.tar.gz' $(EE_CONTEXT)/_build/requirements.yml
	mkdir -p $(EE_CONTEXT)-check
	set -o pipefail; cd $(EE_CONTEXT)/_build && env -u PYTHONPATH ANSIBLE_COLLECTIONS_PATH=$(EE_CONTEXT)-check/c \
	  ANSIBLE_HOME=$(EE_CONTEXT)-check/c-home $(BIN)/ansible-galaxy collection install --offline \
	  -r requirements.yml -p $(EE_CONTEXT)-check/c | tee $(EE_CONTEXT)-check/c.log
	for c in cloudbridge.hybrid_vpn amazon.aws community.aws community.general google.cloud; do \
	  grep -Eq "^'?$$c:[0-9.]+'? (was installed successfully|is already installed)" $(EE_CONTEXT)-check/c.log \
	  || { echo "ee: $$c not installed by the galaxy stage" >&2; exit 1; }; done
	$(BIN)/python $(EE_CONTEXT)/_build/scripts/introspect.py introspect $(EE_CONTEXT)-check/c > $(EE_CONTEXT)-check/c.deps
	grep -q "boto3.*from collection cloudbridge.hybrid_vpn" $(EE_CONTEXT)-check/c.deps
	grep -q "ca-certificates.*from collection cloudbridge.hybrid_vpn" $(EE_CONTEXT)-check/c.deps
	@echo "ee: build context $(EE_CONTEXT) (Containerfile): the collection, its dependencies and requirements"

clean:
	-$(BIN)/cloudbridge-twin down --state-dir $(TWIN_STATE)
	rm -rf $(VENV) $(TWIN_STATE)
