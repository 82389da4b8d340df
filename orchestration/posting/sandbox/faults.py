"""Fault injection for the ERP sandbox: server errors, latency and hanging responses.

A fault hits a `POST /journals` request either before the ledger records it or after the
journal is committed, chosen at random. The second kind is the one idempotency exists
for: the ERP has the journal, but the client never hears about it and sends it again.
"""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Literal

from pydantic import BaseModel, Field

ENV_PREFIX = "TIEOUT_ERP_SANDBOX_"

FaultKind = Literal["error", "timeout"]
FaultPhase = Literal["before", "after"]


class FaultConfig(BaseModel):
    """Fault injection settings; rates are fractions of requests between 0 and 1."""

    error_rate: float = Field(0.0, ge=0, le=1)
    timeout_rate: float = Field(0.0, ge=0, le=1)
    latency_ms: float = Field(0.0, ge=0)
    # How long a "timeout" response hangs; set it above the client's timeout.
    hang_seconds: float = Field(30.0, ge=0)
    seed: int | None = None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> FaultConfig:
        """Read TIEOUT_ERP_SANDBOX_ERROR_RATE, _TIMEOUT_RATE, _LATENCY_MS, _HANG_SECONDS, _SEED."""
        environ = os.environ if environ is None else environ
        values = {}
        for name in cls.model_fields:
            raw = environ.get(ENV_PREFIX + name.upper(), "").strip()
            if raw:
                values[name] = raw
        return cls.model_validate(values)


@dataclass(frozen=True)
class Fault:
    """The fault chosen for one request."""

    kind: FaultKind
    phase: FaultPhase


@dataclass
class FaultCounters:
    """Request and fault counts since the last reset."""

    requests: int = 0
    errors: int = 0
    timeouts: int = 0


class FaultInjector:
    """A thread-safe source of faults, drawn per request from a seeded random generator."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self.configure(config or FaultConfig())

    def configure(self, config: FaultConfig) -> None:
        """Replace the settings, reseed the generator and reset the counters."""
        with self._lock:
            self.config = config
            self._random = random.Random(config.seed)
            self.counters = FaultCounters()

    def draw(self) -> Fault | None:
        """Return the fault for the next request, or None for a normal response."""
        with self._lock:
            self.counters.requests += 1
            roll = self._random.random()
            phase: FaultPhase = "before" if self._random.random() < 0.5 else "after"
            if roll < self.config.error_rate:
                self.counters.errors += 1
                return Fault("error", phase)
            if roll < self.config.error_rate + self.config.timeout_rate:
                self.counters.timeouts += 1
                return Fault("timeout", phase)
            return None

    def snapshot(self) -> dict:
        """Return the settings and counters as JSON-ready values."""
        with self._lock:
            return {"config": self.config.model_dump(), "counters": asdict(self.counters)}
