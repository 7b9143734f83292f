"""The HTTP API (``/v1``, OpenAPI at ``/openapi.json``). ``create_app`` is the factory:
nothing is built at import time. Personal values travel only in request and response bodies,
never in URLs, so access logs hold none."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from policyvault import __version__
from policyvault.api import (
    routes_grants,
    routes_holds,
    routes_records,
    routes_requests,
    routes_retention,
    routes_subjects,
)
from policyvault.api.auth import Caller, allowed
from policyvault.api.errors import error_body, http_error, validation_error, vault_error
from policyvault.api.schemas import ClockIn, ClockOut, PolicyVersionOut
from policyvault.bootstrap import VaultRuntime, sandbox_clock
from policyvault.domain.errors import PolicyVaultError
from policyvault.storage.api_keys import FileApiKeyStore

MAX_BODY_BYTES = 12_000_000  # a 10 MB attachment, base64-encoded, plus the envelope
# A rights request may carry an agent's document of up to 10 MB (13.3 MB base64-encoded).
LARGER_BODIES = {"/v1/requests": 14_000_000}


def create_app(runtime: VaultRuntime, api_keys: FileApiKeyStore) -> FastAPI:
    app = FastAPI(
        title="PolicyVault",
        version=__version__,
        description="A privacy policy made executable: a personal-data vault that releases "
        "data only for the purposes its policy and the subject allow.",
        openapi_url="/openapi.json",
    )
    app.state.runtime = runtime
    app.state.api_keys = api_keys
    app.add_exception_handler(PolicyVaultError, vault_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.middleware("http")(_limit_body)
    app.include_router(routes_subjects.router)
    app.include_router(routes_grants.router)
    app.include_router(routes_records.router)
    app.include_router(routes_holds.router)
    app.include_router(routes_retention.router)
    app.include_router(routes_requests.router)

    @app.get("/v1/health", tags=["operations"])
    def health() -> dict[str, str]:
        policy = runtime.policy
        return {
            "status": "ok",
            "policy": policy.id,
            "policy_version": policy.version,
            "mode": runtime.config.mode,
        }

    @app.get("/v1/policy", tags=["policy"])
    def current_policy() -> dict[str, Any]:
        """The policy in force, as the JSON form of its file."""
        return runtime.policy.model_dump(mode="json", by_alias=True, exclude_none=True)

    @app.get("/v1/policy/versions", tags=["policy"], response_model=list[PolicyVersionOut])
    def policy_versions(
        caller: Caller = Depends(allowed("policy.read")),
    ) -> list[PolicyVersionOut]:
        """Every version of the policy: scheduled, in force or superseded, by number."""
        from policyvault.services.policy_versions import list_versions

        return [
            PolicyVersionOut(
                number=v.version.number,
                label=v.version.label,
                status=v.status.value,
                sha256=v.version.sha256,
                announced_at=v.version.announced_at,
                effective_at=v.version.effective_at,
                activated_at=v.version.activated_at,
                reconsent_purposes=list(v.version.reconsent_purposes),
            )
            for v in list_versions(runtime.vault.context)
        ]

    @app.get("/v1/policy/notice", tags=["policy"], response_model=None)
    def notice(
        format: Literal["html", "md"] = Query("html"),
        lang: Literal["en", "ko"] = Query("en"),
    ) -> HTMLResponse | PlainTextResponse:
        """The privacy notice rendered from the policy in force."""
        from policyvault.services.notice import render_notice

        policy = runtime.policy
        if lang not in policy.languages:
            raise HTTPException(404, f"this policy is not published in {lang!r}")
        text = render_notice(policy, fmt=format, lang=lang)
        if format == "html":
            return HTMLResponse(text)
        return PlainTextResponse(text, media_type="text/markdown; charset=utf-8")

    @app.get("/v1/sandbox/clock", tags=["sandbox"], response_model=ClockOut)
    def show_clock(caller: Caller = Depends(allowed("policy.read"))) -> ClockOut:
        return ClockOut(now=runtime.clock.now(), mode=runtime.config.mode)

    @app.post("/v1/sandbox/clock", tags=["sandbox"], response_model=ClockOut)
    def move_clock(
        body: ClockIn,
        caller: Caller = Depends(allowed("sandbox.clock")),
    ) -> ClockOut:
        """Set or advance the simulated clock of a sandbox vault; a production vault refuses."""
        clock = sandbox_clock(runtime.config)
        if (body.set is None) == (body.advance_seconds is None):
            raise HTTPException(422, "give exactly one of 'set' and 'advance_seconds'")
        if body.set is not None:
            clock.set(body.set)
        else:
            clock.advance(timedelta(seconds=body.advance_seconds or 0))
        return ClockOut(now=runtime.clock.now(), mode=runtime.config.mode)

    return app


async def _limit_body(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    limit = LARGER_BODIES.get(request.url.path, MAX_BODY_BYTES)
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limit):
        return JSONResponse(
            error_body("payload_too_large", f"request bodies are limited to {limit} bytes"),
            413,
        )
    if length is None and request.method in {"POST", "PUT", "PATCH"}:
        body = await request.body()  # chunked: read once, refuse if too large
        if len(body) > limit:
            return JSONResponse(error_body("payload_too_large", "request body too large"), 413)
    return await call_next(request)
