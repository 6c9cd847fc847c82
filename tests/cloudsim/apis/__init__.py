"""Per-API behaviour beyond generic CRUD: ``HANDLERS = {discovery method id: fn(ctx)}``.

A module is named after the discovery API (``firebasehosting.py``); the
server imports it on first use. A handler returns the response body (a
dict) or raises :class:`cloudsim.errors.ApiError`.
"""
