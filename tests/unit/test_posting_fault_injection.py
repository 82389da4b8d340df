"""Fault injection settings of the ERP sandbox."""

import pytest
from pydantic import ValidationError

from orchestration.posting.sandbox.faults import FaultConfig, FaultInjector


def test_seeded_injector_repeats_draws():
    config = FaultConfig(error_rate=0.1, timeout_rate=0.1, seed=7)

    first = [FaultInjector(config).draw() for _ in range(1)]
    injector_a, injector_b = FaultInjector(config), FaultInjector(config)

    assert [injector_a.draw() for _ in range(200)] == [injector_b.draw() for _ in range(200)]
    assert len(first) == 1


def test_injector_rates_roughly_match():
    injector = FaultInjector(FaultConfig(error_rate=0.1, timeout_rate=0.1, seed=1))

    faults = [injector.draw() for _ in range(5000)]

    errors = sum(1 for fault in faults if fault is not None and fault.kind == "error")
    timeouts = sum(1 for fault in faults if fault is not None and fault.kind == "timeout")
    assert 400 <= errors <= 600
    assert 400 <= timeouts <= 600
    assert injector.counters.requests == 5000


def test_zero_rates_never_fault():
    injector = FaultInjector(FaultConfig(seed=3))

    assert all(injector.draw() is None for _ in range(1000))


def test_config_from_environment():
    config = FaultConfig.from_environment(
        {
            "TIEOUT_ERP_SANDBOX_ERROR_RATE": "0.2",
            "TIEOUT_ERP_SANDBOX_TIMEOUT_RATE": "0.05",
            "TIEOUT_ERP_SANDBOX_LATENCY_MS": "15",
            "TIEOUT_ERP_SANDBOX_HANG_SECONDS": "3",
            "TIEOUT_ERP_SANDBOX_SEED": "42",
        }
    )

    assert config.error_rate == 0.2
    assert config.timeout_rate == 0.05
    assert config.latency_ms == 15
    assert config.hang_seconds == 3
    assert config.seed == 42


def test_config_rejects_rate_above_one():
    with pytest.raises(ValidationError):
        FaultConfig(error_rate=1.5)
