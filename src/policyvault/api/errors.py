"""The one table from error codes to HTTP statuses, and the uniform error body
``{code, message, details}``. Messages come from the error itself; they name keys and rules,
never personal values."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from policyvault.domain.errors import InvalidInput, NotFound, PolicyVaultError, Refused

STATUS_BY_CODE: dict[str, int] = {
    "not_found": 404,
    "subject_not_found": 404,
    "hold_not_found": 404,
    "batch_not_found": 404,
    "certificate_not_found": 404,
    "request_not_found": 404,
    "download_not_found": 404,
    # One answer for every failed verification: a wrong code, an expired one, too many
    # attempts, no such request, nobody behind it.
    "verification_failed": 400,
    "extension_refused": 409,
    "collection_refused": 422,
    "invalid_value": 422,
    "invalid_input": 422,
    "policy_invalid": 422,
    "key_config_invalid": 500,
    "refused": 409,
    "access_denied": 403,
    "decryption_failed": 500,
}


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    # A message may quote a key a caller sent; never let unencodable text turn it into a 500.
    safe = message.encode("utf-8", "replace").decode("utf-8")
    return {"code": code, "message": safe, "details": details or {}}


def status_for(error: PolicyVaultError) -> int:
    if error.code in STATUS_BY_CODE:
        return STATUS_BY_CODE[error.code]
    if isinstance(error, InvalidInput):
        return 422
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Refused):
        return 409
    return 500


async def vault_error(request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, PolicyVaultError):  # registered for this type only
        raise error
    details: dict[str, Any] = {}
    rule = getattr(error, "rule", None)
    if isinstance(rule, str):
        details["rule"] = rule
    message = "internal error" if status_for(error) >= 500 else str(error)
    return JSONResponse(error_body(error.code, message, details), status_for(error))


async def validation_error(request: Request, error: Exception) -> JSONResponse:
    """FastAPI's own body echoes the input, which may be personal data: name fields only."""
    if not isinstance(error, RequestValidationError):
        raise error
    problems = [
        {"field": ".".join(str(p) for p in e.get("loc", ())[1:]) or "body", "problem": e["msg"]}
        for e in error.errors()
    ]
    return JSONResponse(
        error_body(
            "invalid_request", "the request does not match the schema", {"errors": problems}
        ),
        422,
    )


async def http_error(request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, StarletteHTTPException):
        raise error
    code = {
        401: "unauthenticated",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        413: "payload_too_large",
    }.get(error.status_code, "http_error")
    return JSONResponse(
        error_body(code, str(error.detail)), error.status_code, headers=error.headers
    )
