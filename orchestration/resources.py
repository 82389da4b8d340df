"""Resources shared by every package of the code location."""

from __future__ import annotations

import dagster as dg
import psycopg
from sqlalchemy.engine import make_url


class WarehouseResource(dg.ConfigurableResource):
    """The PostgreSQL warehouse database."""

    url: str  # SQLAlchemy URL with a driver, such as postgresql+psycopg://user@host:5432/tieout

    def connect(self) -> psycopg.Connection:
        """Open a psycopg 3 connection in a transaction; the caller commits or rolls back."""
        return psycopg.connect(self.libpq_url(), autocommit=False)

    def libpq_url(self) -> str:
        """Return `url` as a plain `postgresql://` URL for libpq clients."""
        url = make_url(self.url).set(drivername="postgresql")
        return url.render_as_string(hide_password=False)


def build_resources() -> dict:
    """Return the resources of the code location by key."""
    return {
        "warehouse": WarehouseResource(url=dg.EnvVar("TIEOUT_WAREHOUSE_URL")),
        # The dbt resource (dagster_dbt.DbtCliResource) is added here under the key "dbt".
    }
