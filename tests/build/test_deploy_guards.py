"""The deploy-guard rules on single commands: which lines run
intelligent-deploy.sh with arguments, and which deploy functions."""

from __future__ import annotations

import pytest

from cvplus_deploy_guards import deploys_functions, runs_script_with_arguments


@pytest.mark.parametrize("command, expected", [
    ("scripts/deployment/intelligent-deploy.sh --full", True),
    ("DEPLOYMENT_MODE=production scripts/deployment/intelligent-deploy.sh --help", True),
    ("bash scripts/deployment/intelligent-deploy.sh x", True),
    ("cd cvplus && ./intelligent-deploy.sh --dry-run", True),
    ("scripts/deployment/intelligent-deploy.sh", False),
    ("scripts/deployment/intelligent-deploy.sh > deploy.log 2>&1", False),
    ("scripts/deployment/intelligent-deploy.sh | tee deploy.log", False),
    ("grep -c case scripts/deployment/intelligent-deploy.sh", False),
    ("sed -n 1,20p scripts/deployment/intelligent-deploy.sh", False),
])
def test_intelligent_deploy_arguments(command: str, expected: bool) -> None:
    assert runs_script_with_arguments(command, "intelligent-deploy.sh") is expected


@pytest.mark.parametrize("command, expected", [
    ("firebase deploy -P prod", True),
    ("firebase deploy -P staging --only functions:healthCheck", True),
    ("firebase deploy --only \"${targets%,}\" -P dev", True),
    ("firebase deploy --dry-run -P dev --only functions", True),
    ("scripts/deployment/smart-deploy.sh --quick", True),
    ("firebase deploy -P prod --only hosting", False),
    ("firebase deploy -P prod --only firestore,storage -m v1", False),
    ("firebase hosting:channel:deploy rc1 -P prod", False),
    ("firebase functions:list -P prod", False),
])
def test_functions_deploys(command: str, expected: bool) -> None:
    assert deploys_functions(command) is expected
