"""Cloud Storage for Firebase v1beta: the project's default bucket.

``projects.getDefaultBucket`` (``GET v1beta/projects/P/defaultBucket``; firebase-tools
calls it under v1alpha, the named exception ``firebasestorage-default-bucket``) answers
the ``DefaultBucket`` world.py seeds per project, else 404 as the API does for a
project without Firebase Storage.
"""

from __future__ import annotations

from cloudsim import crud

HANDLERS = {"firebasestorage.projects.getDefaultBucket": crud.get}
