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
# One environment for every builder: the PDF reuses what the HTML build read
# (the LaTeX builder then reads no source again), and tests/manual_build.py
# rebuilds build/html against the same folder.
DOCTREES    = $(BUILDDIR)/doctrees

# The one sphinx-build recipe: $(call sphinx,BUILDER,OUTPUT FOLDER[,OPTIONS]).
# OPTIONS default to the strict ones (warnings are errors).
sphinx = $(SPHINXBUILD) -b $(1) $(if $(3),$(3),$(STRICT) $(SPHINXOPTS)) -d $(DOCTREES) $(SOURCEDIR) $(BUILDDIR)/$(2)

.PHONY: help setup html page record shell test-merge pdf offline bundle outputs verify-evidence livehtml linkcheck clean test export review-due benchmark reality gcloud-diff

help:
	@echo "make html        build the HTML manual into $(BUILDDIR)/html (warnings fail the build)"
	@echo "make livehtml    rebuild and reload in the browser while you write"
	@echo "make test        build, then run every test (pytest); page sessions whose inputs did not change keep their evidence (FULL=1 runs all)"
	@echo "make test SHARD=K/N   one shard of the suite (own evidence folder); make test-merge folds the shards"
	@echo "make page PAGE=deployment/runbooks/troubleshooting   build, then test one page (its snippets and lints)"
	@echo "make record PAGE=...  write what real tools printed into the page's expected output (DRY=1: show only)"
	@echo "make shell PAGE=... [UPTO=LINE] [PROC=PROC_ID]   try commands in the page's sandbox world"
	@echo "make pdf         build the PDF manual into $(BUILDDIR)/latex (LaTeX, Mermaid via mermaid-cli)"
	@echo "make offline     zip of the HTML manual that works from disk: $(BUILDDIR)/cvplus-manual-html.zip"
	@echo "make export      needs.json and CSV files for auditors into $(BUILDDIR)/export"
	@echo "make review-due  list pages whose review is due"
	@echo "make verify-evidence  check the evidence ledger against its anchors"
	@echo "make benchmark   time builds, the snippet harness, make test (full and incremental), the page loop and shards"
	@echo "make linkcheck   check external links (needs network)"
	@echo "make reality CVPLUS=DIR [CVPLUS_MODULES=DIR]  compare the facts and fixture with a CVPlus checkout"
	@echo "make clean       remove $(BUILDDIR)"
	@echo "make setup       install everything the other targets need"

setup:
	@scripts/setup.sh

html:
	@scripts/setup.sh html
	$(call sphinx,html,html)

pdf:
	@scripts/setup.sh pdf
	$(call sphinx,latex,latex)
	$(MAKE) -C $(BUILDDIR)/latex LATEXMKOPTS="-silent -interaction=nonstopmode -halt-on-error" all-pdf
	@echo "PDF manual: $(BUILDDIR)/latex/cvplus-operations-manual.pdf"

offline: html bundle

# the zip of whatever build/html holds now (make offline builds it first)
bundle:
	@rm -f $(BUILDDIR)/cvplus-manual-html.zip
	cd $(BUILDDIR) && cp -r html cvplus-manual && rm -rf cvplus-manual/.doctrees cvplus-manual/.buildinfo && \
	  zip -qr cvplus-manual-html.zip cvplus-manual && rm -rf cvplus-manual
	@echo "offline bundle: $(BUILDDIR)/cvplus-manual-html.zip (unzip, open cvplus-manual/index.html)"

livehtml: setup
	.venv/bin/sphinx-autobuild $(STRICT) --watch source/_data --watch source/_ext $(SOURCEDIR) $(BUILDDIR)/html

linkcheck: setup
	$(call sphinx,linkcheck,linkcheck,-c .)

export: html
	@mkdir -p $(BUILDDIR)/export
	cp $(BUILDDIR)/html/needs.json $(BUILDDIR)/html/traceability.csv $(BUILDDIR)/html/criteria.csv \
	  $(BUILDDIR)/html/coverage.csv $(BUILDDIR)/html/coverage.json $(BUILDDIR)/export/
	@if [ -f $(BUILDDIR)/evidence/ledger.jsonl ]; then cp $(BUILDDIR)/evidence/ledger.jsonl $(BUILDDIR)/export/; fi
	@echo "auditor exports in $(BUILDDIR)/export"

# the evidence ledger: chain, results.json against it, and its anchors
verify-evidence: setup
	$(PYTHON) scripts/evidence_ledger.py verify

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

# The order that makes every output true:
#   1. the HTML manual (strict), whose snippets.json the tests read;
#   2. every test that does not read the final outputs: build faults,
#      schema rules, content, and the snippet tests, which record their
#      results in build/evidence/ and append them to the evidence ledger;
#   3. HTML (incremental: only the pages that show results are re-written),
#      PDF and offline bundle, from the results and ledger head just recorded;
#   4. the output tests (tests/outputs) on those very files, then the
#      evidence ledger is verified against the anchors of this run (JUnit, PDF).
# Step 3 and 4 run even when step 2 failed, so the PDF shows the failure;
# the exit status is the worst of the two test runs.
ifdef SHARD
# One shard of a suite split over N machines (tests/snippets/shards.py): its
# own evidence folder; no outputs (make test-merge builds them from all shards).
SHARD_DIR = $(BUILDDIR)/evidence/shard-$(subst /,-of-,$(SHARD))
test:
	@scripts/setup.sh test
	$(call sphinx,html,html)
	@mkdir -p $(SHARD_DIR)
	CVPLUS_BUILT=$(BUILDDIR)/html CVPLUS_SHARD=$(SHARD) CVPLUS_EVIDENCE=$(SHARD_DIR)/results.json \
	  $(PYTHON) -m pytest $(PYTEST_ARGS) --ignore=tests/outputs --junitxml=$(SHARD_DIR)/junit.xml
else
# Each step is its own recipe line, so `make -n test` prints the plan and runs
# nothing (a line naming $(MAKE) is run even under -n); each test run writes
# its exit status to TEST_STATUS, and the last line exits with the first
# that is not 0.
TEST_STATUS = $(BUILDDIR)/evidence/.test-status
test:
	@scripts/setup.sh test
	$(call sphinx,html,html)
	@mkdir -p $(BUILDDIR)/evidence
	CVPLUS_BUILT=$(BUILDDIR)/html CVPLUS_INCREMENTAL=$(if $(FULL),0,1) $(PYTHON) -m pytest $(PYTEST_ARGS) \
	  --ignore=tests/outputs --junitxml=$(BUILDDIR)/evidence/junit.xml; echo $$? > $(TEST_STATUS)
	$(MAKE) -s outputs
	CVPLUS_BUILT=$(BUILDDIR)/html CVPLUS_PDF=$(BUILDDIR)/latex/cvplus-operations-manual.pdf \
	  $(PYTHON) -m pytest $(PYTEST_ARGS) tests/outputs --junitxml=$(BUILDDIR)/evidence/junit-outputs.xml; \
	  echo $$? >> $(TEST_STATUS)
	if [ -f $(BUILDDIR)/evidence/ledger.jsonl ]; then $(PYTHON) scripts/evidence_ledger.py verify; fi
	@status=$$(grep -vx 0 $(TEST_STATUS) | head -n 1); exit $${status:-0}
endif

# Fold the shard folders into build/evidence, then outputs, output tests and
# the ledger check, as the end of make test does.
test-merge:
	$(PYTHON) scripts/evidence_ledger.py merge $(wildcard $(BUILDDIR)/evidence/shard-*-of-*)
	$(MAKE) -s outputs
	CVPLUS_BUILT=$(BUILDDIR)/html CVPLUS_PDF=$(BUILDDIR)/latex/cvplus-operations-manual.pdf \
	  $(PYTHON) -m pytest $(PYTEST_ARGS) tests/outputs --junitxml=$(BUILDDIR)/evidence/junit-outputs.xml
	$(PYTHON) scripts/evidence_ledger.py verify

# The writer's loop: incremental strict build, then one page's snippets in
# page order and their lints (scripts/page_test.py).
page:
	@scripts/setup.sh test
	$(call sphinx,html,html,$(STRICT) $(SPHINXOPTS) -q)
	@mkdir -p $(BUILDDIR)/evidence
	@CVPLUS_BUILT=$(BUILDDIR)/html PYTHONPATH=$(OURPATH) $(PYTHON) scripts/page_test.py "$(PAGE)"

# The writer's record mode and shell (tests/snippets/record.py, shell.py):
# write what real tools printed into PAGE's expected output (DRY=1: show
# only); or try commands in PAGE's sandbox world (UPTO=LINE, PROC=PROC_ID; not AS, which make keeps for its assembler).
OURPATH = source/_ext:scripts:tests:tests/snippets
record:
	@scripts/setup.sh test
	$(call sphinx,html,html,$(STRICT) $(SPHINXOPTS) -q)
	@CVPLUS_BUILT=$(BUILDDIR)/html PYTHONPATH=$(OURPATH) $(PYTHON) -m record "$(PAGE)" $(if $(DRY),--dry-run)

shell:
	@scripts/setup.sh test
	$(call sphinx,html,html,$(STRICT) $(SPHINXOPTS) -q)
	@CVPLUS_BUILT=$(BUILDDIR)/html PYTHONPATH=$(OURPATH) $(PYTHON) -m shell "$(PAGE)" \
	  $(if $(UPTO),--upto $(UPTO)) $(if $(PROC),--as $(PROC))

# HTML, PDF and offline bundle from the evidence already recorded.
outputs:
	$(call sphinx,html,html,$(STRICT) $(SPHINXOPTS) -q)
	$(MAKE) -s pdf bundle

# Every gcloud invocation of the manual, stand-in vs the real gcloud, against
# the same simulated APIs (needs a real gcloud: GCLOUD=/path/to/gcloud).
GCLOUD ?= /usr/bin/gcloud
gcloud-diff: setup
	$(PYTHON) tests/snippets/gcloud_diff.py --gcloud $(GCLOUD)

clean:
	rm -rf $(BUILDDIR)
