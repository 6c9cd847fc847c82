"""Named exception extensions-instances-list: the projects have no extension instances."""

from __future__ import annotations


def list_instances(ctx):
    return {"instances": []}
