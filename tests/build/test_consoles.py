"""Console links come from the facts file (source/_ext/cvplus_consoles.py)."""

from __future__ import annotations

import pytest

import cvplus_data
from cvplus_consoles import console_url

FACTS = cvplus_data.load_platform()


def test_cloud_pages_take_the_project_as_a_parameter():
    url, label = console_url(FACTS, "alerting")
    assert url == f"{FACTS['consoles']['cloud']}/monitoring/alerting?project={FACTS['envs']['prod']['project_id']}"
    assert label


def test_firebase_pages_put_the_project_in_the_path():
    url, _ = console_url(FACTS, "functions", "staging")
    assert url == f"{FACTS['consoles']['firebase']}/project/{FACTS['envs']['staging']['project_id']}/functions"


def test_fault_unknown_page_or_environment():
    with pytest.raises(KeyError, match="unknown console page 'nowhere'"):
        console_url(FACTS, "nowhere")
    with pytest.raises(KeyError, match="unknown environment 'qa'"):
        console_url(FACTS, "run", "qa")
