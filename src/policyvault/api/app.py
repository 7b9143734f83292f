"""The HTTP API (``/v1``) and the public notice page. ``create_app`` is the factory: nothing is
built at import time."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import HTMLResponse, PlainTextResponse

from policyvault import __version__
from policyvault.domain.policy.model import Policy


def create_app(policy: Policy) -> FastAPI:
    app = FastAPI(
        title="PolicyVault",
        version=__version__,
        description="A privacy policy made executable.",
        openapi_url="/openapi.json",
    )

    @app.get("/v1/health", tags=["operations"])
    def health() -> dict[str, str]:
        return {"status": "ok", "policy": policy.id, "policy_version": policy.version}

    @app.get("/v1/policy", tags=["policy"])
    def current_policy() -> dict[str, Any]:
        """The policy in force, as the JSON form of its file."""
        return policy.model_dump(mode="json", by_alias=True, exclude_none=True)

    @app.get("/v1/policy/notice", tags=["policy"], response_model=None)
    def notice(
        format: Literal["html", "md"] = Query("html"),
        lang: Literal["en", "ko"] = Query("en"),
    ) -> HTMLResponse | PlainTextResponse:
        """The privacy notice rendered from the policy in force."""
        from policyvault.services.notice import render_notice

        if lang not in policy.languages:
            raise HTTPException(404, f"this policy is not published in {lang!r}")
        text = render_notice(policy, fmt=format, lang=lang)
        if format == "html":
            return HTMLResponse(text)
        return PlainTextResponse(text, media_type="text/markdown; charset=utf-8")

    return app
