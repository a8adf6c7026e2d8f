"""One error hierarchy for the service, and its mapping to ``{"error": {"code", "message"}}``.

Every error a client can cause is an ``ApiError`` with a stable ``code`` and an HTTP status;
FastAPI's own validation errors and ``HTTPException`` are mapped onto the same shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException


class ApiError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class MalformedJson(ApiError):
    status = 400
    code = "malformed_json"


class InvalidInput(ApiError):
    status = 422
    code = "invalid_input"


class MissingKey(ApiError):
    status = 401
    code = "missing_api_key"


class WrongKey(ApiError):
    status = 401
    code = "invalid_api_key"


class InvalidToken(ApiError):
    status = 401
    code = "invalid_token"


class OriginNotAllowed(ApiError):
    status = 403
    code = "origin_not_allowed"


class KeyRevoked(ApiError):
    status = 403
    code = "key_revoked"


class TokenOutOfScope(ApiError):
    status = 403
    code = "token_out_of_scope"


class SessionNotFound(ApiError):
    status = 404
    code = "session_not_found"


class CauseNotFound(ApiError):
    status = 404
    code = "cause_not_found"


class JobNotFound(ApiError):
    status = 404
    code = "job_not_found"


class BodyTooLarge(ApiError):
    status = 413
    code = "body_too_large"


class BadTable(ApiError):
    status = 422
    code = "bad_table"


class UnsupportedTable(ApiError):
    status = 415
    code = "unsupported_table"


class BadProbeReport(ApiError):
    status = 422
    code = "invalid_probe_report"


class BusySession(ApiError):
    status = 409
    code = "session_busy"


class TooManyRequests(ApiError):
    status = 429
    code = "rate_limited"


class StorageUnavailable(ApiError):
    status = 503
    code = "storage_unavailable"


class QueueUnavailable(ApiError):
    status = 503
    code = "queue_unavailable"


class WidgetUnavailable(ApiError):
    status = 503
    code = "widget_unavailable"


class SlackUnavailable(ApiError):
    status = 503
    code = "slack_unavailable"


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"error": {"code": code, "message": message}}
    return JSONResponse(body, status_code=status, headers=headers)


def describe_validation(errors: Sequence[Any]) -> str:
    """``body.text: Input should be a valid string (got 5)``, one line per problem."""
    lines = []
    for error in errors:
        where = ".".join(str(part) for part in error.get("loc", ()))
        got = error.get("input")
        shown = "" if isinstance(got, dict | list) or got is None else f" (got {got!r:.60})"
        lines.append(f"{where}: {error.get('msg', 'invalid')}{shown}")
    return "; ".join(lines)


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, ApiError):
        raise exc
    return error_response(exc.status, exc.code, exc.message, exc.headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, RequestValidationError):
        raise exc
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        detail = next(e for e in errors if e.get("type") == "json_invalid")
        where = detail.get("ctx", {}).get("error", "")
        return error_response(
            400,
            MalformedJson.code,
            f"The request body is not valid JSON ({where}). Send a JSON object with "
            "Content-Type: application/json.",
        )
    report = request.url.path.endswith("/probe-reports")
    return error_response(
        422,
        BadProbeReport.code if report else InvalidInput.code,
        (
            "The probe report does not validate: "
            if report
            else "The request does not match the API: "
        )
        + describe_validation(errors)
        + ".",
    )


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "body_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, HTTPException):
        raise exc
    code = _HTTP_CODES.get(exc.status_code, HTTPStatus(exc.status_code).phrase.lower())
    message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404 and message == "Not Found":
        message = f"There is no route {request.method} {request.url.path}. See /docs."
    headers = dict(exc.headers) if exc.headers else None
    return error_response(exc.status_code, code.replace(" ", "_"), message, headers)


def install(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
