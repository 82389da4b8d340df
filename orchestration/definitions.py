"""The tieout code location: every package's definitions merged with the shared resources."""

from __future__ import annotations

import importlib

import dagster as dg

from orchestration.resources import build_resources
from orchestration.schedules import schedules
from orchestration.sensors import sensors

# Each package exposes `defs` in its own definitions module.
PACKAGE_MODULES = (
    "orchestration.ingestion.definitions",
    "orchestration.reconciliation.definitions",
    "orchestration.quality.definitions",
    "orchestration.posting.definitions",
)


def load_package_definitions(
    module_names: tuple[str, ...] = PACKAGE_MODULES,
) -> list[dg.Definitions]:
    """Import `defs` from each module, skipping a module that does not exist yet.

    Only the absence of the module itself is skipped. An import error raised inside a
    module that exists propagates, so a broken package never disappears from the UI silently.
    """
    loaded = []
    for name in module_names:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name is not None and (name == error.name or name.startswith(error.name + ".")):
                continue
            raise
        loaded.append(module.defs)
    return loaded


# Resources are bound once, here. Merging fails when two packages bind the same key to
# different objects, so packages use the keys from build_resources instead of their own.
defs = dg.Definitions.merge(
    *load_package_definitions(),
    dg.Definitions(schedules=schedules, sensors=sensors, resources=build_resources()),
)
