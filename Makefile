# Front door of the CVPlus operations manual.
#   make html      build the HTML manual (warnings are errors)
#   make test      build and run every test
#   make help      list all targets

PYTHON      = .venv/bin/python
SPHINXBUILD = .venv/bin/sphinx-build
SPHINXOPTS ?= -j auto
SOURCEDIR   = source
BUILDDIR    = build
STRICT      = -W --keep-going -n -c .
PYTEST_ARGS ?= -n auto --dist loadgroup

.PHONY: help setup html dirhtml livehtml linkcheck clean test export review-due

help:
	@echo "make html        build the HTML manual into $(BUILDDIR)/html (warnings fail the build)"
	@echo "make livehtml    rebuild and reload in the browser while you write"
	@echo "make test        build, then run every test (pytest)"
	@echo "make export      needs.json and CSV files for auditors into $(BUILDDIR)/export"
	@echo "make review-due  list pages whose review is due"
	@echo "make linkcheck   check external links (needs network)"
	@echo "make clean       remove $(BUILDDIR)"
	@echo "make setup       install everything the other targets need"

setup:
	@scripts/setup.sh

html: setup
	$(SPHINXBUILD) -b html $(STRICT) $(SPHINXOPTS) $(SOURCEDIR) $(BUILDDIR)/html

livehtml: setup
	.venv/bin/sphinx-autobuild $(STRICT) --watch source/_data --watch source/_ext $(SOURCEDIR) $(BUILDDIR)/html

linkcheck: setup
	$(SPHINXBUILD) -b linkcheck -c . $(SOURCEDIR) $(BUILDDIR)/linkcheck

export: html
	@mkdir -p $(BUILDDIR)/export
	cp $(BUILDDIR)/html/needs.json $(BUILDDIR)/html/traceability.csv $(BUILDDIR)/html/coverage.csv $(BUILDDIR)/html/coverage.json $(BUILDDIR)/export/
	@echo "auditor exports in $(BUILDDIR)/export"

review-due: setup
	$(PYTHON) scripts/review_due.py

# Build, run every test (snippet evidence lands in build/evidence/), then
# rebuild so the matrix in build/html shows the results just recorded.
test: setup
	$(SPHINXBUILD) -b html $(STRICT) $(SPHINXOPTS) $(SOURCEDIR) $(BUILDDIR)/html
	@mkdir -p $(BUILDDIR)/evidence
	CVPLUS_BUILT=$(BUILDDIR)/html $(PYTHON) -m pytest $(PYTEST_ARGS) --junitxml=$(BUILDDIR)/evidence/junit.xml; \
	  status=$$?; \
	  $(SPHINXBUILD) -b html $(STRICT) $(SPHINXOPTS) -q $(SOURCEDIR) $(BUILDDIR)/html || exit 1; \
	  exit $$status

clean:
	rm -rf $(BUILDDIR)
