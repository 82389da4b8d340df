"""Connection details for one PostgreSQL server and the URLs each client needs."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from orchestration.settings import normalize_database_url

DEFAULT_WAREHOUSE_DATABASE = "tieout"
DEFAULT_USER = "postgres"
DEFAULT_PORT = 5432
DAGSTER_DATABASE_SUFFIX = "_dagster"


@dataclass(frozen=True)
class ConnectionInfo:
    """Server address, credentials and the two database names tieout uses."""

    host: str
    port: int
    user: str
    password: str
    database: str
    dagster_database: str
    # Extra libpq parameters from the URL, such as sslmode, kept in their original order.
    params: tuple[tuple[str, str], ...] = ()

    def sqlalchemy_url(self, driver: str = "psycopg2", database: str | None = None) -> str:
        """Return a SQLAlchemy URL naming `driver`, for `database` or the warehouse database."""
        return self._url(f"postgresql+{driver}", database)

    def libpq_url(self, database: str | None = None) -> str:
        """Return a `postgresql://` URL for libpq clients such as `psycopg.connect` and psql."""
        return self._url("postgresql", database)

    def _url(self, scheme: str, database: str | None) -> str:
        userinfo = quote(self.user, safe="")
        if self.password:
            userinfo += ":" + quote(self.password, safe="")

        # IPv6 literals need brackets inside a URL.
        host = f"[{self.host}]" if ":" in self.host else self.host
        url = f"{scheme}://{userinfo}@{host}:{self.port}/{quote(database or self.database)}"
        if self.params:
            url += "?" + urlencode(self.params)
        return url


def parse_database_url(url: str, dagster_database: str | None = None) -> ConnectionInfo:
    """Parse a PostgreSQL URL with any accepted driver prefix into a `ConnectionInfo`.

    A URL without a database name uses `tieout`. The Dagster database defaults to the
    warehouse name with `_dagster` appended. Raises ValueError for a non-PostgreSQL URL
    or a URL without a host.
    """
    normalized = normalize_database_url(url)
    if normalized is None:
        raise ValueError("Missing database URL: set TIEOUT_DATABASE_URL or leave it unset.")

    parts = urlsplit(normalized)
    if not parts.hostname:
        raise ValueError(
            f"Invalid database URL {redact_url(normalized)!r}: it names no host. "
            "Use postgresql://USER:PASSWORD@HOST:PORT/DATABASE."
        )

    database = unquote(parts.path.lstrip("/")) or DEFAULT_WAREHOUSE_DATABASE
    return ConnectionInfo(
        host=parts.hostname,
        port=parts.port or DEFAULT_PORT,
        user=unquote(parts.username or DEFAULT_USER),
        password=unquote(parts.password or ""),
        database=database,
        dagster_database=dagster_database or database + DAGSTER_DATABASE_SUFFIX,
        params=tuple(parse_qsl(parts.query)),
    )


def redact_url(url: str) -> str:
    """Return `url` with its password replaced by `***`, for logs and error messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url

    netloc = parts.netloc.replace(":" + parts.password + "@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()
