#!/usr/bin/env bash
# Idempotent set-up for the manual. Usage: scripts/setup.sh [html|pdf|test]
#   html (default)  Python venv with the pinned packages of pyproject.toml,
#                   the pinned npm packages of package-lock.json, graphviz
#   pdf             html + TeX Live (LuaLaTeX, latexmk), fonts, Chromium for
#                   mermaid-cli
#   test            pdf + bubblewrap (snippet sandbox), shellcheck, procps,
#                   poppler-utils and zip (output checks)
# Installs missing Debian packages with apt-get when run as root; otherwise
# stops and names exactly what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PROFILE=${1:-html}
VENV=${VENV:-.venv}

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: ERROR: %s\n' "$*" >&2; exit 1; }

case $PROFILE in html|pdf|test) ;; *) die "unknown profile '$PROFILE' (html, pdf or test)" ;; esac

# --- Debian packages ------------------------------------------------------
missing=()
need() { # need COMMAND-or-FILE PACKAGE
    if [[ $1 == /* ]]; then [[ -e $1 ]] || missing+=("$2"); else command -v "$1" >/dev/null 2>&1 || missing+=("$2"); fi
}
need dot graphviz                                   # sphinx-needs flow diagrams
if [[ $PROFILE != html ]]; then
    need lualatex texlive-latex-recommended
    need /usr/share/texlive/texmf-dist/tex/latex/capt-of/capt-of.sty texlive-latex-extra
    need /usr/share/texlive/texmf-dist/tex/generic/luatex85/luatex85.sty texlive-luatex
    need /usr/share/texlive/texmf-dist/fonts/tfm/adobe/avantgar texlive-fonts-recommended
    need latexmk latexmk
    need /usr/share/fonts/opentype/freefont/FreeSerif.otf fonts-freefont-otf
    need chromium chromium                          # mermaid-cli renders through it
fi
if [[ $PROFILE == test ]]; then
    need bwrap bubblewrap                           # snippet sandbox
    need shellcheck shellcheck                      # snippet lint
    need pgrep procps
    need pdftotext poppler-utils                    # PDF checks
    need zip zip                                    # offline bundle
fi
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
    say "installing pinned npm packages (npm ci; no browser download)"
    PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
say "ready ($PROFILE)"
