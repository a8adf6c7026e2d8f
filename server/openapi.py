"""The error responses each route documents in the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from server.schemas import ErrorBody

_WHY = {
    400: "Malformed JSON (`malformed_json`) or a bad header (`invalid_input`).",
    401: "No API key (`missing_api_key`), an unknown one (`invalid_api_key`), or a session "
    "token that is expired, forged or of the wrong kind (`invalid_token`).",
    403: "The origin is not allowed for any key (`origin_not_allowed`, CORS preflight), a "
    "session token used outside its session or from another origin (`token_out_of_scope`, "
    "`origin_not_allowed`), or a key the operator revoked, or a token issued under one "
    "(`key_revoked`).",
    404: "No such session, cause or job for this key (`session_not_found`, `cause_not_found`, "
    "`job_not_found`).",
    409: "The session changed under the request too many times (`session_busy`); send again.",
    413: "The body or upload is over its limit (`body_too_large`).",
    415: "The upload is neither CSV nor Parquet (`unsupported_table`).",
    422: "The body does not match the schema (`invalid_input`, `invalid_probe_report`) or the "
    "table cannot be used (`bad_table`).",
    429: "Too many requests for this key (`rate_limited`); see Retry-After.",
    503: "The session store or the job queue is unavailable (`storage_unavailable`, "
    "`queue_unavailable`).",
}

AUTHED = (400, 401, 403, 413, 422, 429, 503)


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        status: {"model": ErrorBody, "description": _WHY[status]}
        for status in sorted({*AUTHED, *statuses})
    }
