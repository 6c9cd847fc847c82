"""Reality check: compare the manual's facts and fixture with a CVPlus checkout.

Run ``make reality CVPLUS=/path/to/checkout`` (or ``python -m reality``
with ``scripts`` on the path). Modules, one concern each:

- ``checkout``: read a work tree or a bare git directory (and its modules).
- ``facts``: the facts file and the fixture provenance, with line numbers.
- ``tsexports``: Cloud Functions found in TypeScript sources, following
  re-exports into the modules that are present.
- ``shellargs``: the options a shell script's argument loop handles.
- ``sources``: firebase.json, .firebaserc, workflows, package.json, configs.
- ``checks``: the comparisons, one result per fact.
- ``onboarding``, ``emu``, ``modulemap``, ``subpaths``, ``ciworkflows``: the
  real track's facts (``onboarding.real``): commit, breakages, ``./emu``,
  module map and build order, module imports that do not load, CI.
- ``contracts``: the API lesson's request and answer fields.
- ``uncheckable``: the facts no checkout can settle, reported with why.
- ``report``: the drift report and the exit status.
"""
