"""Who owns a job's lease: an instance's name, and whether a named instance on this machine is gone."""
from __future__ import annotations

import os
import secrets
import socket


def _pid_namespace() -> str:
    try:
        return os.readlink("/proc/self/ns/pid").removeprefix("pid:")
    except OSError:
        return "-"


def _started(pid: int) -> str:
    """When process ``pid`` started (clock ticks since boot), so a reused pid is told apart; "-" if unknown."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return "-"


def new_owner() -> str:
    """This instance's name in the lease columns: host, pid namespace, pid, process start, a random part."""
    pid = os.getpid()
    return f"{socket.gethostname()}|{_pid_namespace()}|{pid}|{_started(pid)}|{secrets.token_hex(4)}"


def owner_is_dead(owner: str, me: str) -> bool:
    """True when ``owner`` was a process on this machine (same host and pid namespace) that is gone:
    its leases need not run out before another instance takes its jobs over (a restart resumes at once)."""
    parts = owner.split("|")
    if owner == me or len(parts) != 5 or not parts[2].isdigit():
        return False
    host, namespace, pid, started, _token = parts
    if host != socket.gethostname() or namespace != _pid_namespace():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        pass
    # Alive, but the same process only if it started when the owner did (pids are reused: a container's 1).
    now_started = _started(int(pid))
    return started != "-" and now_started != "-" and now_started != started
