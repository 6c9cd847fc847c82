#!/usr/bin/env bash
# One-time (idempotent) set-up for building and testing the manual.
# Installs: a Python virtual environment with the pinned packages from
# pyproject.toml, the pinned npm packages from package-lock.json, and the
# Debian packages the build and tests use. Stops with a message naming
# exactly what is missing when it cannot install it.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: ERROR: %s\n' "$*" >&2; exit 1; }

# --- Debian packages ------------------------------------------------------
missing=()
command -v dot >/dev/null 2>&1 || missing+=(graphviz)            # sphinx-needs flow diagrams
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)         # snippet sandbox
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)    # snippet lint
command -v pgrep >/dev/null 2>&1 || missing+=(procps)             # harness tests
if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        say "installing Debian packages: ${missing[*]}"
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        die "missing Debian packages: ${missing[*]} (run: sudo apt-get install ${missing[*]})"
    fi
fi

# --- Python ---------------------------------------------------------------
command -v python3 >/dev/null 2>&1 || die "python3 (3.11 or newer) is not installed"
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || die "python3 is older than 3.11"
stamp="$VENV/.cvplus-installed"
if [[ ! -f $stamp || pyproject.toml -nt $stamp ]]; then
    [[ -x $VENV/bin/python ]] || { say "creating $VENV"; python3 -m venv "$VENV"; }
    say "installing pinned Python packages into $VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
    "$VENV/bin/python" - <<'PY' > "$VENV/requirements.txt"
import tomllib
data = tomllib.load(open("pyproject.toml", "rb"))["project"]
for req in data["dependencies"] + [r for group in data["optional-dependencies"].values() for r in group]:
    print(req)
PY
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$VENV/requirements.txt"
    touch "$stamp"
fi

# --- npm ------------------------------------------------------------------
command -v npm >/dev/null 2>&1 || die "npm (Node.js 20) is not installed: apt-get install nodejs npm"
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
    say "installing pinned npm packages (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
say "ready"
