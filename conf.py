"""Sphinx configuration for the CVPlus operations manual.

Plain configuration only. Facts come from source/_data/platform.yaml, the
metamodel from source/_data/metamodel.yaml; the behaviour lives in small
extensions under source/_ext/, one concern each.
"""

import sys
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "source" / "_ext"))

import cvplus_data  # noqa: E402

PLATFORM = cvplus_data.load_platform()
METAMODEL = cvplus_data.load_metamodel()

# -- Project ---------------------------------------------------------------
project = "CVPlus Operations Manual"
author = "CVPlus engineering (documentation maintainer role)"
copyright = f"{date.today().year}, CVPlus"
release = version = "2026.11"
language = "en"

# -- General ---------------------------------------------------------------
extensions = [
    "myst_parser",
    "sphinx_design",
    "sphinx_copybutton",
    "sphinx_needs",
    "sphinxcontrib.mermaid",
    # our own, under source/_ext/
    "cvplus_facts",
    "cvplus_contacts",
    "cvplus_alerts",
    "cvplus_deploy_guards",
    "cvplus_review",
    "cvplus_checks",
    "cvplus_iam",
    "cvplus_consoles",
    "cvplus_panels",
    "cvplus_snippets",
    "cvplus_coverage",
    "cvplus_operating",
    "cvplus_criteria",
    "cvplus_incremental",
    "cvplus_mermaid_offline",
    "cvplus_capacity",
    "cvplus_onboarding",
    "cvplus_inventory",
    "cvplus_print",
    "cvplus_a11y",
    "cvplus_diagram_text",
]

root_doc = "index"
exclude_patterns = ["_data", "_ext", "_build", "**/_includes/*"]
templates_path = []
nitpicky = True
suppress_warnings = []

# -- MyST ------------------------------------------------------------------
myst_enable_extensions = [
    "colon_fence",
    "deflist",
    "substitution",
    "tasklist",
    "attrs_block",
    "attrs_inline",
    "fieldlist",
]
myst_heading_anchors = 3
myst_fence_as_directive = ["mermaid"]
myst_substitutions = cvplus_data.substitutions(PLATFORM)
cvplus_platform = PLATFORM
cvplus_metamodel = METAMODEL

# -- sphinx-needs: everything comes from the metamodel file, schema included
globals().update(cvplus_data.sphinx_needs_config(METAMODEL, PLATFORM))
needs_build_json = True
needs_reproducible_json = True
needs_table_style = "TABLE"
needs_table_columns = "ID;TITLE;STATUS;OWNER"
needs_flow_engine = "graphviz"

# -- Mermaid: rendered in the browser from a copy served by the build ------
mermaid_version = ""
mermaid_init_config = {"startOnLoad": False}

# -- Copy button: copy commands only, never prompts or output -------------
copybutton_prompt_text = r"\$ |> "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True
copybutton_exclude = ".linenos, .gp, .go"

# -- HTML ------------------------------------------------------------------
html_theme = "furo"
html_title = "CVPlus Operations Manual"
html_static_path = ["source/_static"]
html_css_files = ["cvplus.css"]
html_last_updated_fmt = None
html_theme_options = {
    "navigation_with_keys": True,
    "source_edit_link": None,
}

# -- LaTeX / PDF (make pdf) -------------------------------------------------
latex_engine = "lualatex"
latex_documents = [
    # toctree_only: the home page's reader cards stay in HTML; the PDF's
    # chapters are the documents its toctrees list
    (root_doc, "cvplus-operations-manual.tex", project, author, "manual", True),
]
latex_show_urls = "no"
latex_use_xindy = False
latex_elements = {
    "papersize": "a4paper",
    "pointsize": "10pt",
    "extraclassoptions": "openany,oneside",  # no blank pages between chapters
    "releasename": "Version",
    "maketitle": r"\sphinxmaketitle",
    "printindex": "",
    "sphinxsetup": "TitleColor={rgb}{0.1,0.2,0.4}, VerbatimColor={rgb}{0.97,0.97,0.97}",
    # GNU FreeFont (Debian fonts-freefont-otf) covers the symbols the pages
    # use; need IDs in monospace are never hyphenated.
    "fontpkg": r"""
\setmainfont{FreeSerif}[Extension=.otf, UprightFont=*, ItalicFont=*Italic,
  BoldFont=*Bold, BoldItalicFont=*BoldItalic]
\setsansfont{FreeSans}[Extension=.otf, UprightFont=*, ItalicFont=*Oblique,
  BoldFont=*Bold, BoldItalicFont=*BoldOblique]
\setmonofont{FreeMono}[Scale=0.9, Extension=.otf, UprightFont=*, ItalicFont=*Oblique,
  BoldFont=*Bold, BoldItalicFont=*BoldOblique, HyphenChar=None]
""",
}
today_fmt = "%Y-%m-%d"
graphviz_output_format = "svg"

# -- Link check ------------------------------------------------------------
linkcheck_timeout = 10
linkcheck_retries = 1
