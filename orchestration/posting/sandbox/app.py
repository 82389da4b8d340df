"""The ERP sandbox HTTP API (FastAPI).

Routes:

- `POST /journals` with an `Idempotency-Key` header: 201 with the new journal, 200 with
  the earlier journal for a repeated key and the same content, 409 for a repeated key with
  other content, 422 for an invalid journal (`detail.code` and `detail.message`).
- `GET /journals`, `GET /journals/{id}`.
- `POST /admin/export` writes a NetSuite snapshot folder; `GET|PUT /admin/faults` reads or
  replaces the fault injection settings; `POST /admin/seed` reseeds the ledger.
- `GET /health`.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated

import psycopg
from fastapi import FastAPI, Header, HTTPException, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from orchestration.posting.sandbox.faults import Fault, FaultConfig, FaultInjector
from orchestration.posting.sandbox.journals import (
    IdempotencyConflict,
    JournalIn,
    ValidationFailure,
    get_journal,
    list_journals,
    post_journal,
)
from orchestration.posting.sandbox.ledger import ensure_ledger_tables, export_snapshot, seed_ledger

logger = logging.getLogger("tieout.erp_sandbox")

POOL_SIZE = 8


class ConnectionPool:
    """A fixed set of autocommit connections shared by the request threads."""

    def __init__(self, url: str, size: int = POOL_SIZE) -> None:
        self._url = url
        self._idle: queue.LifoQueue[psycopg.Connection] = queue.LifoQueue()
        self._size = size
        self._created = 0
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """Lend a connection, opening one while fewer than `size` exist."""
        connection = self._take()
        try:
            yield connection
        finally:
            if connection.closed or connection.info.transaction_status != 0:
                # Broken, or left inside a transaction: drop it and let a new one take its place.
                connection.close()
                with self._lock:
                    self._created -= 1
            else:
                self._idle.put(connection)

    def _take(self) -> psycopg.Connection:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            may_open = self._created < self._size
            if may_open:
                self._created += 1
        if not may_open:
            return self._idle.get(timeout=30)
        try:
            return psycopg.connect(self._url, autocommit=True)
        except psycopg.Error:
            with self._lock:
                self._created -= 1
            raise

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return


class ExportRequest(BaseModel):
    """Export request: the snapshot root to write to and an optional extraction time."""

    snapshot_root: str
    extracted_at: datetime | None = None


class SeedRequest(BaseModel):
    """A NetSuite snapshot folder, source folder or snapshot root to seed from."""

    snapshot: str


def create_app(database_url: str, faults: FaultConfig | None = None) -> FastAPI:
    """Build the sandbox app over the warehouse database at `database_url` (libpq URL)."""
    pool = ConnectionPool(database_url)
    injector = FaultInjector(faults)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI):
        with pool.connection() as connection:
            ensure_ledger_tables(connection)
        logger.info("ERP sandbox ready, faults: %s", injector.snapshot()["config"])
        yield
        pool.close()

    app = FastAPI(title="tieout ERP sandbox", lifespan=lifespan)
    app.state.faults = injector

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok"}

    @app.post("/journals", status_code=201)
    def create_journal(
        journal: JournalIn,
        response: Response,
        idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
    ):
        if not idempotency_key:
            raise HTTPException(
                400,
                {"code": "MISSING_IDEMPOTENCY_KEY", "message": "Missing Idempotency-Key header."},
            )
        if journal.external_id and journal.external_id != idempotency_key:
            raise HTTPException(
                422,
                {
                    "code": "EXTERNAL_ID_MISMATCH",
                    "message": f"external_id {journal.external_id} differs from the "
                    f"Idempotency-Key {idempotency_key}.",
                },
            )

        fault = injector.draw()
        _apply_latency(injector.config)
        if fault is not None and fault.phase == "before":
            return _fail(fault, injector.config, idempotency_key)

        try:
            with pool.connection() as connection:
                body, created = post_journal(connection, journal, idempotency_key)
        except ValidationFailure as failure:
            logger.info("Rejected journal %s: %s", idempotency_key, failure.message)
            raise HTTPException(422, {"code": failure.code, "message": failure.message}) from None
        except IdempotencyConflict as conflict:
            raise HTTPException(
                409, {"code": "IDEMPOTENCY_KEY_REUSED", "message": str(conflict)}
            ) from None

        if fault is not None:
            return _fail(fault, injector.config, idempotency_key)
        response.status_code = 201 if created else 200
        return body

    @app.get("/journals")
    def journals() -> list[dict]:
        with pool.connection() as connection:
            return list_journals(connection)

    @app.get("/journals/{journal_id}")
    def journal(journal_id: str) -> dict:
        with pool.connection() as connection:
            found = get_journal(connection, journal_id)
        if found is None:
            raise HTTPException(
                404, {"code": "NOT_FOUND", "message": f"Journal {journal_id} not found."}
            )
        return found

    @app.get("/admin/faults")
    def read_faults() -> dict:
        return injector.snapshot()

    @app.put("/admin/faults")
    def replace_faults(config: FaultConfig) -> dict:
        injector.configure(config)
        logger.info("Fault injection set to %s", config.model_dump())
        return injector.snapshot()

    @app.post("/admin/export")
    def export(request: ExportRequest) -> dict:
        with pool.connection() as connection:
            folder = export_snapshot(connection, Path(request.snapshot_root), request.extracted_at)
        return {"path": str(folder), "extracted_at": folder.name}

    @app.post("/admin/seed")
    def seed(request: SeedRequest) -> dict:
        try:
            with pool.connection() as connection:
                counts = seed_ledger(connection, Path(request.snapshot))
        except FileNotFoundError as error:
            raise HTTPException(404, {"code": "NOT_FOUND", "message": str(error)}) from None
        return {"rows": counts}

    return app


def _apply_latency(config: FaultConfig) -> None:
    if config.latency_ms:
        time.sleep(config.latency_ms / 1000)


def _fail(fault: Fault, config: FaultConfig, key: str) -> JSONResponse:
    logger.info("Injected %s %s processing for journal %s", fault.kind, fault.phase, key)
    if fault.kind == "timeout":
        # The client times out before this returns, so it never reads the 504.
        time.sleep(config.hang_seconds)
        return JSONResponse(
            {"detail": {"code": "INJECTED_TIMEOUT", "message": "Injected timeout."}}, 504
        )
    return JSONResponse(
        {
            "detail": {
                "code": "INJECTED_ERROR",
                "message": f"Injected server error {fault.phase} processing.",
            }
        },
        500,
    )
