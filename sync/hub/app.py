"""The hub's HTTP application: ``create_app`` (tests, embedding) and ``app_from_env`` (uvicorn).

Every refusal is ``{"error": code, "detail": text}`` with a 4xx status: bad JSON and wrong
types are 400 ``malformed``, bodies over 8 MiB 413 ``too_large``, an unknown path 404
``not_found``. A database that is busy answers 503 ``busy`` (retry). The processes keep no
state between requests, so several can serve one PostgreSQL database behind a balancer.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from sqlalchemy.exc import DataError, DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from sync.hub import db
from sync.hub.errors import HubError
from sync.hub.tls import TlsFiles
from sync.protocol import ProtocolError

log = logging.getLogger("himaya.hub")
MAX_BODY = 8 * 1024 * 1024
_DRAIN_LIMIT = 64 * 1024 * 1024  # read and drop at most this much of a too large body before answering
ENV_DATA, ENV_DATABASE = "HIMAYA_HUB_DATA", "HIMAYA_HUB_DATABASE"


@dataclass
class Hub:
    """What request handlers share: the engine and the CA certificate to hand out."""

    engine: Engine
    ca_pem: str


class SafeJSONResponse(JSONResponse):
    """JSON in ASCII: whatever text a refusal quotes (even a lone surrogate) can be sent."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")


def error_response(status: int, code: str, detail: str, **extra: Any) -> JSONResponse:
    return SafeJSONResponse({"error": code, "detail": detail[:500], **extra}, status_code=status)


class BodyLimit:
    """Refuses bodies over the limit with 413 before any handler reads them (ASGI middleware)."""

    def __init__(self, app: Any, limit: int = MAX_BODY) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict, receive: Callable[[], Awaitable[dict]], send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        too_large = declared is not None and (not declared.isdigit() or int(declared) > self.limit)
        chunks, total, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            total += len(chunk)
            more = message.get("more_body", False)
            if total > self.limit:
                too_large = True
            if too_large:
                if total > _DRAIN_LIMIT:
                    break
                continue
            chunks.append(chunk)
        if too_large:
            response = error_response(413, "too_large", f"request bodies are limited to {self.limit} bytes")
            await response(scope, receive, send)
            return
        body, replayed = b"".join(chunks), False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _validation_detail(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "the request is malformed"


_STATUS_CODES = {404: "not_found", 405: "method_not_allowed", 400: "malformed", 413: "too_large"}


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(HubError)
    async def hub_error(_request: Request, exc: HubError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.detail, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(400, "malformed", _validation_detail(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "malformed" if 400 <= exc.status_code < 500 else "error")
        detail = exc.detail if isinstance(exc.detail, str) else "the request was refused"
        return error_response(exc.status_code, code, detail)

    @app.exception_handler(ProtocolError)
    async def protocol_error(_request: Request, exc: ProtocolError) -> JSONResponse:
        return error_response(400, "malformed", str(exc))

    @app.exception_handler(UnicodeError)
    async def unicode_error(_request: Request, exc: UnicodeError) -> JSONResponse:
        return error_response(400, "malformed", "text in the request is not valid Unicode")

    @app.exception_handler(DataError)
    async def data_error(_request: Request, exc: DataError) -> JSONResponse:
        return error_response(400, "malformed", "the request holds a value the hub cannot store")

    async def database_busy(_request: Request, exc: Exception) -> JSONResponse:
        log.warning("database error answered as busy: %s", type(getattr(exc, "orig", exc)).__name__)
        return error_response(503, "busy", "the hub's database is busy: try again shortly")

    app.add_exception_handler(DBAPIError, database_busy)
    app.add_exception_handler(PoolTimeout, database_busy)

    @app.exception_handler(Exception)
    async def internal_error(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return error_response(500, "internal", "the hub failed; the operator can read its log")


def create_app(data: Path, database: str | None = None, engine: Engine | None = None) -> FastAPI:
    """The hub over the data folder made by ``himaya-hub init`` (CA there, SQLite there by default)."""
    from sync.hub import routes_admin, routes_device

    data = Path(data)
    hub = Hub(engine or db.make_engine(database or db.sqlite_url(data)),
              TlsFiles.in_folder(data).ca_cert.read_text(encoding="ascii"))
    app = FastAPI(title="Himaya hub", version="1",
                  description="A blind relay of sealed, signed envelopes between the enrolled devices of one realm. "
                              "Signed requests carry X-Himaya-Device, -Time, -Nonce and -Signature. Errors are "
                              '{"error": code, "detail": text}.')
    app.state.hub = hub
    _install_handlers(app)
    app.include_router(routes_device.router)
    app.include_router(routes_admin.router)
    app.add_middleware(BodyLimit)
    _describe_refusals_as_sent(app)
    return app


def _describe_refusals_as_sent(app: FastAPI) -> None:
    """Drop FastAPI's default 422 from /openapi.json: the hub answers bad input with 400 ``malformed``."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    operation.get("responses", {}).pop("422", None)
            for unused in ("HTTPValidationError", "ValidationError"):
                schema.get("components", {}).get("schemas", {}).pop(unused, None)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def app_from_env() -> FastAPI:
    """The factory uvicorn imports in each worker: settings come from the environment."""
    data = os.environ.get(ENV_DATA)
    if not data:
        raise RuntimeError(f"{ENV_DATA} is not set")
    return create_app(Path(data), os.environ.get(ENV_DATABASE) or None)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
