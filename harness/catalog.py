"""The catalogue of servers under test: the adapters, data in harness/adapters/ (<name>.toml,
and <name>.conf.in when the server reads a config file), read into Adapter rows; the chains made
from them; the bring-your-own ones (--target, --server-cmd); whether one can run on this machine.

An adapter is data: the package, the binary, an argv template, an optional config template, files
to create in the run directory, the paths it serves, what it claims to support, quirks, and an
optional backend (another adapter started first). Templates use @VAR@ placeholders (autoconf style,
because nginx and haproxy configs use $ and braces): @HOST@ @PORT@ @RUNDIR@ @BACKEND_PORT@ @ROOT@
@BUILD@ @PYTHON@ @APPS@. servers.py starts them.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADAPTERS = Path(__file__).resolve().parent / "adapters"
APPS = Path(__file__).resolve().parent / "apps"
# Debian's python3-* packages are visible only to the system interpreter (not to a pyenv shim)
PYTHON = os.environ.get("SY_PYTHON", "/usr/bin/python3")
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])


@dataclass(frozen=True)
class Adapter:
    name: str
    argv: tuple[str, ...]
    package: str = ""
    binary: str = ""
    description: str = ""
    config: str = ""                    # template file name under harness/adapters/
    config_as: str = "server.conf"      # name of the rendered config in the run directory
    files: dict = field(default_factory=dict)   # run-dir relative path -> text (rendered)
    executable: tuple[str, ...] = ()    # files to chmod +x
    env: dict = field(default_factory=dict)
    paths: dict = field(default_factory=lambda: {"ws": "/live", "plain": "/"})
    supports: tuple[str, ...] = ()
    role: str = "origin"                # origin | proxy | reference | backend
    backend: str = ""
    world_writable: bool = False        # servers that drop to www-data before opening their logs
    ready_timeout: float = 5.0
    stop_timeout: float = 3.0
    check: tuple[str, ...] = ()         # argv that must exit 0 for the adapter to be usable
    quirks: dict = field(default_factory=dict)
    version_cmd: tuple[str, ...] = ()
    target: str = ""                    # HOST:PORT of a server started elsewhere (bring your own)
    chain: bool = True                  # a proxy: also run it in front of each CHAIN_BACKENDS
    chain_of: str = ""                  # a chain: the proxy adapter it was made from (chains())


def _adapter(row: dict, origin: str) -> Adapter:
    known = set(Adapter.__dataclass_fields__)
    unknown = set(row) - known
    if unknown:
        raise ValueError(f"{origin}: unknown adapter keys {sorted(unknown)}")
    if "argv" not in row and "target" not in row:
        raise ValueError(f"{origin}: argv or target is required")
    row = dict(row)
    for k in ("argv", "supports", "executable", "check", "version_cmd"):
        if k in row:
            row[k] = tuple(row[k])
    row.setdefault("argv", ())
    return Adapter(**row)


def load(folder: Path = ADAPTERS) -> dict[str, Adapter]:
    out = {}
    for p in sorted(folder.glob("*.toml")):
        with p.open("rb") as f:
            row = tomllib.load(f)
        row.setdefault("name", p.stem)
        if row["name"] != p.stem:
            raise ValueError(f"{p}: name {row['name']!r} differs from the file name")
        out[p.stem] = _adapter(row, str(p))
    return out | chains(out)


# Every proxy runs in front of these backends too, each chain a row of its own (issue 15): the
# strict reference, so that what differs from the reference's own row is the proxy, and the
# sentinel (apps/sentinel.py), which records what the proxy forwarded.
CHAIN_BACKENDS = ("reference", "sentinel")
CHAIN_SEP = "\u2192"           # "nginx-proxy→sentinel"


def chains(adapters: dict[str, Adapter]) -> dict[str, Adapter]:
    """PROXY→BACKEND for every proxy adapter (`chain` true) and backend of CHAIN_BACKENDS:
    the proxy's own adapter, its backend swapped (its config reaches it as @BACKEND_PORT@)."""
    out = {}
    for ad in adapters.values():
        if ad.role != "proxy" or not ad.chain:
            continue
        for b in CHAIN_BACKENDS:
            if b not in adapters:
                continue
            name = f"{ad.name}{CHAIN_SEP}{b}"
            out[name] = replace(ad, name=name, backend=b, role="chain", chain=False,
                                chain_of=ad.name,
                                description=f"{ad.name} in front of {b} (chain): {ad.description}")
    return out


def from_target(target: str, ws: str = "/live", plain: str = "/") -> Adapter:
    """Bring your own: a server already listening at HOST:PORT (loopback)."""
    host, _, port = target.rpartition(":")
    if (host not in ("127.0.0.1", "localhost", "::1", "[::1]") or not port.isdigit()
            or not 1 <= int(port) <= 65535):
        raise ValueError("--target must be a loopback HOST:PORT (127.0.0.1, localhost or [::1]; "
                         "port 1-65535)")
    return Adapter(name="target", argv=(), target=target, role="origin",
                   paths={"ws": ws, "plain": plain}, supports=("websocket",),
                   description=f"server at {target} (brought by the user)")


def from_command(cmd: str, ws: str = "/live", plain: str = "/") -> Adapter:
    """Bring your own: a command line with @PORT@ (and optionally @HOST@) that starts a server."""
    import shlex
    try:
        argv = tuple(shlex.split(cmd))
    except ValueError as e:
        raise ValueError(f"--server-cmd is not a command line: {e}") from None
    if not argv:
        raise ValueError("--server-cmd is empty")
    if not any("@PORT@" in a for a in argv):
        raise ValueError("--server-cmd must contain @PORT@ where the port goes")
    program = render(argv[0], {"HOST": "127.0.0.1", "PORT": "0"})
    if _which(program) is None:
        raise ValueError(f"--server-cmd: program {program!r} not found"
                         + ("" if "/" in program else " on PATH"))
    return Adapter(name="server-cmd", argv=argv, role="origin", paths={"ws": ws, "plain": plain},
                   supports=("websocket",), description=f"`{cmd}` (brought by the user)")


def path_map(paths: dict) -> dict[str, str]:
    """Where a server's endpoints differ from the reference's (an adapter's `paths`): the request
    targets a case's bytes are retargeted by (cases.retarget), WebSocket and plain resource."""
    m = {}
    if paths.get("ws", "/live") != "/live":
        m["/live"] = paths["ws"]
    if paths.get("plain", "/") != "/":
        m["/"] = paths["plain"]
    return m


def build_dir() -> Path:
    return Path(os.environ.get("SY_BUILD", ROOT / "build")).resolve()


def unavailable(ad: Adapter, adapters: dict[str, Adapter] | None = None) -> str | None:
    """Why this adapter cannot run here (None when it can)."""
    if ad.target:
        return None
    if ad.binary and _which(render(ad.binary, {})) is None:
        return f"{ad.binary} not found (Debian package {ad.package or '?'}: run `make deps`)"
    if ad.check:
        try:
            r = subprocess.run([render(a, {}) for a in ad.check], env=env_of(ad), timeout=10,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        except (OSError, subprocess.TimeoutExpired) as e:
            return f"check failed: {e}"
        if r.returncode != 0:
            tail = r.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
            return f"check {' '.join(ad.check)} failed ({ad.package or '?'}): {tail[0][:200]}"
    if ad.backend:
        if adapters is None or ad.backend not in adapters:
            return f"backend adapter {ad.backend!r} is not defined"
        why = unavailable(adapters[ad.backend], adapters)
        if why:
            return f"backend {ad.backend}: {why}"
    return None


def _which(binary: str) -> str | None:
    if "/" in binary:
        return binary if os.access(binary, os.X_OK) else None
    return shutil.which(binary, path=SEARCH_PATH)


def env_of(ad: Adapter) -> dict:
    env = dict(os.environ)
    env.update({k: render(str(v), {}) for k, v in ad.env.items()})
    return env


def render(text: str, values: dict[str, str]) -> str:
    base = {"ROOT": str(ROOT), "BUILD": str(build_dir()), "PYTHON": PYTHON,
            "APPS": str(APPS)}
    base.update(values)
    for k, v in base.items():
        text = text.replace(f"@{k}@", str(v))
    return text


def version(ad: Adapter) -> str:
    if not ad.version_cmd:
        return ""
    try:
        r = subprocess.run([render(a, {}) for a in ad.version_cmd], env=env_of(ad), timeout=5,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    lines = r.stdout.decode(errors="replace").strip().splitlines()
    return lines[0][:120] if lines else ""
