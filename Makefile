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
PYTEST_ARGS ?= -n auto

.PHONY: help setup html pdf offline livehtml linkcheck clean test export review-due benchmark reality

help:
	@echo "make html        build the HTML manual into $(BUILDDIR)/html (warnings fail the build)"
	@echo "make livehtml    rebuild and reload in the browser while you write"
	@echo "make test        build, then run every test (pytest)"
	@echo "make pdf         build the PDF manual into $(BUILDDIR)/latex (LaTeX, Mermaid via mermaid-cli)"
	@echo "make offline     zip of the HTML manual that works from disk: $(BUILDDIR)/cvplus-manual-html.zip"
	@echo "make export      needs.json and CSV files for auditors into $(BUILDDIR)/export"
	@echo "make review-due  list pages whose review is due"
	@echo "make benchmark   time cold and incremental builds and the snippet harness"
	@echo "make linkcheck   check external links (needs network)"
	@echo "make reality CVPLUS=DIR [CVPLUS_MODULES=DIR]  compare the facts and fixture with a CVPlus checkout"
	@echo "make clean       remove $(BUILDDIR)"
	@echo "make setup       install everything the other targets need"

setup:
	@scripts/setup.sh

html:
	@scripts/setup.sh html
	$(SPHINXBUILD) -b html $(STRICT) $(SPHINXOPTS) $(SOURCEDIR) $(BUILDDIR)/html

pdf:
	@scripts/setup.sh pdf
	$(SPHINXBUILD) -b latex $(STRICT) $(SPHINXOPTS) $(SOURCEDIR) $(BUILDDIR)/latex
	$(MAKE) -C $(BUILDDIR)/latex LATEXMKOPTS="-silent -interaction=nonstopmode -halt-on-error" all-pdf
	@echo "PDF manual: $(BUILDDIR)/latex/cvplus-operations-manual.pdf"

offline: html
	@rm -f $(BUILDDIR)/cvplus-manual-html.zip
	cd $(BUILDDIR) && cp -r html cvplus-manual && rm -rf cvplus-manual/.doctrees cvplus-manual/.buildinfo && \
	  zip -qr cvplus-manual-html.zip cvplus-manual && rm -rf cvplus-manual
	@echo "offline bundle: $(BUILDDIR)/cvplus-manual-html.zip (unzip, open cvplus-manual/index.html)"

livehtml: setup
	.venv/bin/sphinx-autobuild $(STRICT) --watch source/_data --watch source/_ext $(SOURCEDIR) $(BUILDDIR)/html

linkcheck: setup
	$(SPHINXBUILD) -b linkcheck -c . $(SOURCEDIR) $(BUILDDIR)/linkcheck

export: html
	@mkdir -p $(BUILDDIR)/export
	cp $(BUILDDIR)/html/needs.json $(BUILDDIR)/html/traceability.csv $(BUILDDIR)/html/coverage.csv $(BUILDDIR)/html/coverage.json $(BUILDDIR)/export/
	@echo "auditor exports in $(BUILDDIR)/export"

benchmark:
	@scripts/setup.sh test
	$(PYTHON) scripts/benchmark.py

# Drift report of the facts file and the fixture against a CVPlus checkout
# (work tree or bare git directory); exits 1 on a contradicted fact.
reality: setup
	@test -n "$(CVPLUS)" || { echo "usage: make reality CVPLUS=/path/to/checkout [CVPLUS_MODULES=/path/to/modules]" >&2; exit 2; }
	@mkdir -p $(BUILDDIR)/reality
	PYTHONPATH=scripts $(PYTHON) -m reality "$(CVPLUS)" $(if $(CVPLUS_MODULES),--modules "$(CVPLUS_MODULES)") --out $(BUILDDIR)/reality/report.txt

review-due: setup
	$(PYTHON) scripts/review_due.py

# Build the HTML, the PDF and the offline bundle, run every test against
# them (snippet evidence lands in build/evidence/), then rebuild the HTML so
# the matrix shows the results just recorded.
test:
	@scripts/setup.sh test
	$(SPHINXBUILD) -b html $(STRICT) $(SPHINXOPTS) $(SOURCEDIR) $(BUILDDIR)/html
	$(MAKE) -s pdf offline
	@mkdir -p $(BUILDDIR)/evidence
	CVPLUS_BUILT=$(BUILDDIR)/html CVPLUS_PDF=$(BUILDDIR)/latex/cvplus-operations-manual.pdf \
	  $(PYTHON) -m pytest $(PYTEST_ARGS) --junitxml=$(BUILDDIR)/evidence/junit.xml; \
	  status=$$?; \
	  $(SPHINXBUILD) -b html $(STRICT) $(SPHINXOPTS) -q $(SOURCEDIR) $(BUILDDIR)/html || exit 1; \
	  exit $$status

clean:
	rm -rf $(BUILDDIR)
