"""Sample-data generator: a coherent company in Salesforce, Stripe and NetSuite
export formats, with injected reconciliation exceptions and their answer key."""

from orchestration.generator.context import SCALES
from orchestration.generator.core import generate

__all__ = ["SCALES", "generate"]
