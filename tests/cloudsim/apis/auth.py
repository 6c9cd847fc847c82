"""Named exception oauth-token: the refresh-token grant answers a bearer token."""

from __future__ import annotations

from cloudsim.errors import ApiError


def token(ctx):
    form = ctx.raw.decode("utf-8", "replace")
    if "refresh_token" not in form:
        raise ApiError(400, f"POST {ctx.path}: unsupported grant in {form[:80]!r}")
    return {"access_token": "cloudsim-access-token", "expires_in": 3599, "token_type": "Bearer",
            "scope": "https://www.googleapis.com/auth/cloud-platform"}
