#!/usr/bin/python3
"""`make bench`: refserver vs nginx on loopback, same load, one run, alternating rounds.

What is measured (docs/bench.md has the figures and how to read them):

  426    `wrk -t1 -c CONC -d SECONDS http://HOST:PORT/live`: keep-alive connections, each request a
         plain GET /live, which both servers answer 426 with `Upgrade: websocket` and
         `Connection: Upgrade` and a short text/plain body (nginx: `return 426 "<refserver's
         body>"` + `add_header ... always`, so the bodies are the same bytes). req/s from wrk.

  101    WebSocket opening handshakes, one per fresh TCP connection: connect, send the RFC 6455
         handshake, read the whole 101 head, close; CONC connections in flight. wrk cannot do
         this: it reuses its connections and has no notion of a protocol switch (after a 101 the
         connection is WebSocket, so the next request on it is not HTTP), so the load comes from
         bench/handshake_load.c, a small single-threaded epoll client compiled here with cc.
         handshakes/s from that tool.

  426-pipelined  the 426 load with DEPTH requests per write (`--pipeline`, default 16; wrk with
         bench/wrk_pipeline.lua), RFC 9112 §9.3.2 pipelining. Each write costs the same system
         calls whatever it carries, so this load shows the servers' own per-request cost, which
         the one-request-per-write load above hides under the kernel's (docs/bench.md).

  426-fresh (with --all) the 426 request through handshake_load too: one request per fresh
         connection, to separate per-connection cost from per-request cost.

Fairness of the 101 comparison. nginx has no WebSocket endpoint of its own: it cannot compute
Sec-WebSocket-Accept from the key nor validate the handshake. Proxying to a WebSocket backend
would measure nginx plus a second server and a second hop, which says nothing about nginx's own
cost. What is used instead: for a request carrying Sec-WebSocket-Key, nginx answers
`return 101` with the same three headers, Sec-WebSocket-Accept being the constant that is correct
for the load generator's fixed key (RFC 6455's example key). So nginx sends a valid-looking 101
for this load while doing strictly less work than refserver (no key validation, no SHA-1, no
switch of the connection to a frame layer). This is the most favourable setting for nginx:
a ratio >= 1.2 here is a conservative result for refserver.

Setting: nginx (Debian) with 1 worker, access_log off, keepalive_requests raised so that nginx
does not close wrk's connections every 1000 requests (refserver never does); refserver with its
defaults except --max-conns (raised above the load's concurrency). Both single-threaded. With two
or more CPUs the server runs pinned to one CPU and the load generator to another. Each round runs
every scenario on both servers, the order alternating between rounds; the table shows the median
and every round. Every process is started here and stopped by its PID; every wait is bounded.

usage: bench/refserver_vs_nginx.py [--rounds N] [--seconds S] [--conc C] [--pipeline DEPTH] [--all]
                        [--json FILE] [--no-pin] [--nice N]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = Path(os.environ.get("SY_BUILD") or ROOT / "build")
WS_KEY = "dGhlIHNhbXBsZSBub25jZQ=="
WS_ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="  # RFC 6455 §1.3, for WS_KEY
HANDSHAKE = ("GET /live HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
             "Connection: Upgrade\r\nSec-WebSocket-Key: " + WS_KEY + "\r\n"
             "Sec-WebSocket-Version: 13\r\n\r\n").encode()
PLAIN_LIVE = b"GET /live HTTP/1.1\r\nHost: localhost\r\n\r\n"

NGINX_CONF = """# rendered by bench/refserver_vs_nginx.py
worker_processes 1;
pid @RUNDIR@/nginx.pid;
error_log @RUNDIR@/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    server_tokens off;
    keepalive_requests 100000000;
    client_body_temp_path @RUNDIR@/client_body;
    proxy_temp_path @RUNDIR@/proxy;
    fastcgi_temp_path @RUNDIR@/fastcgi;
    uwsgi_temp_path @RUNDIR@/uwsgi;
    scgi_temp_path @RUNDIR@/scgi;
    server {
        listen 127.0.0.1:@PORT@;
        location = /live {
            default_type text/plain;
            charset utf-8;
            # 101: a static answer, correct only for the load generator's fixed key (see above)
            if ($http_sec_websocket_key) {
                add_header Upgrade websocket always;
                add_header Connection Upgrade always;
                add_header Sec-WebSocket-Accept "@ACCEPT@" always;
                return 101;
            }
            add_header Upgrade websocket always;
            add_header Connection Upgrade always;
            return 426 "@BODY426@";
        }
        location / { return 404; }
    }
}
"""


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


NICE = 0  # --nice: added to the niceness of every process the bench starts


def pin(cpu: int | None):
    """preexec_fn for a child: its CPU (if any) and the bench's niceness."""
    def prep():
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})
        if NICE:
            os.nice(NICE)
    return prep if cpu is not None or NICE else None


def fetch(port: int, data: bytes, timeout: float = 2.0) -> bytes:
    """One request on a fresh connection; the response head (and any body that came with it)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        buf = b""
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in buf and time.monotonic() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        m = re.search(rb"\r\ncontent-length: *(\d+)", buf, re.I)
        if m and not buf.startswith(b"HTTP/1.1 101"):
            need = buf.index(b"\r\n\r\n") + 4 + int(m.group(1))
            while len(buf) < need and time.monotonic() < deadline:
                chunk = s.recv(65536)
                if not chunk:
                    break
                buf += chunk
        return buf


def wait_ready(port: int, proc: subprocess.Popen, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode} before it was ready")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not accept connections within {timeout}s")


def stop(proc: subprocess.Popen, what: str, sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            log(f"bench: {what} (pid {proc.pid}) ignored signal {sig}: killing it")
            proc.kill()
            proc.wait(timeout=10)


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process and its children processes (nginx: master + worker)."""
    total = 0.0
    pids, seen = [pid], set()
    for _ in range(64):  # bounded walk of the process tree
        if not pids:
            break
        p = pids.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            kids = Path(f"/proc/{p}/task/{p}/children").read_text().split()
            pids.extend(int(k) for k in kids)
        except (OSError, ValueError, IndexError):
            continue
    return total


class Servers:
    """refserver and nginx, started as children and stopped by PID."""

    def __init__(self, rundir: Path, server_cpu: int | None, max_conns: int):
        self.procs: list[tuple[subprocess.Popen, str]] = []
        self.rundir = rundir
        self.server_cpu = server_cpu
        self.max_conns = max_conns

    def start_refserver(self) -> int:
        binary = BUILD / "refserver"
        if not binary.exists():
            raise RuntimeError(f"{binary} is missing: run `make` first")
        proc = subprocess.Popen([str(binary), "--listen", "127.0.0.1:0", "--max-conns",
                                 str(self.max_conns)], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, preexec_fn=pin(self.server_cpu))
        self.procs.append((proc, "refserver"))
        r, _, _ = select.select([proc.stdout], [], [], 10)
        line = proc.stdout.readline().decode() if r else ""
        m = re.fullmatch(r"listening on 127\.0\.0\.1:(\d+)\n", line)
        if not m:
            raise RuntimeError(f"refserver did not print 'listening on': {line!r}")
        return int(m.group(1))

    def start_nginx(self, body426: str) -> int:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(nginx).exists():
            raise RuntimeError("nginx is not installed (Debian package nginx: `make deps`)")
        run = self.rundir / "nginx"
        run.mkdir()
        port = free_port()
        body = body426.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        conf = (NGINX_CONF.replace("@RUNDIR@", str(run)).replace("@PORT@", str(port))
                .replace("@ACCEPT@", WS_ACCEPT).replace("@BODY426@", body))
        (run / "nginx.conf").write_text(conf)
        proc = subprocess.Popen([nginx, "-p", str(run), "-c", str(run / "nginx.conf"),
                                 "-g", "daemon off;"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, preexec_fn=pin(self.server_cpu))
        self.procs.append((proc, "nginx"))
        wait_ready(port, proc, "nginx")
        return port

    def stop_all(self) -> None:
        for proc, what in reversed(self.procs):
            stop(proc, what)  # nginx: SIGTERM to the master, which stops its worker
            for f in (proc.stdout, proc.stderr):
                if f:
                    f.close()
        self.procs.clear()


def check_answers(name: str, port: int) -> None:
    """Both servers must give the same kind of answer before their speed means anything."""
    r = fetch(port, PLAIN_LIVE).decode("latin-1")
    head = r.split("\r\n\r\n", 1)[0].lower()
    if not (r.startswith("HTTP/1.1 426") and "\r\nupgrade: websocket" in head
            and re.search(r"\r\nconnection: [^\r]*upgrade", head)):
        raise RuntimeError(f"{name}: GET /live is not a 426 with Upgrade/Connection: {r[:300]!r}")
    r = fetch(port, HANDSHAKE).decode("latin-1")
    if not (r.startswith("HTTP/1.1 101") and f"sec-websocket-accept: {WS_ACCEPT.lower()}"
            in r.lower()):
        raise RuntimeError(f"{name}: the handshake did not get a 101 with the accept: {r[:300]!r}")


def run_wrk(port: int, seconds: float, conc: int, cpu: int | None, pipeline: int = 0) -> dict:
    """wrk's req/s; with pipeline > 0, every write carries that many requests."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed (Debian package wrk: `make deps`)")
    cmd = [wrk, "-t1", f"-c{conc}", f"-d{seconds:g}s", "--timeout", "2s"]
    if pipeline:
        cmd += ["-s", str(ROOT / "bench" / "wrk_pipeline.lua")]
    cmd.append(f"http://127.0.0.1:{port}/live")
    if pipeline:
        cmd += ["--", str(pipeline)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30,
                       preexec_fn=pin(cpu))
    m = re.search(r"Requests/sec:\s+([\d.]+)", p.stdout)
    if p.returncode != 0 or not m:
        raise RuntimeError(f"wrk failed ({p.returncode}): {p.stdout}{p.stderr}")
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       p.stdout)
    total = re.search(r"(\d+) requests in", p.stdout)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", p.stdout)
    return {"rate": float(m.group(1)),
            "requests": int(total.group(1)) if total else 0,
            "non_426": (int(total.group(1)) - int(non2xx.group(1))) if total and non2xx else None,
            "errors": sum(int(x) for x in errors.groups()) if errors else 0}


def run_load(tool: Path, port: int, seconds: float, conc: int, status: int, reqfile: Path,
             cpu: int | None) -> dict:
    p = subprocess.run([str(tool), "127.0.0.1", str(port), f"{seconds:g}", str(conc), str(status),
                        str(reqfile)], capture_output=True, text=True, timeout=seconds + 30,
                       preexec_fn=pin(cpu))
    if p.returncode != 0:
        raise RuntimeError(f"handshake_load failed ({p.returncode}): {p.stderr}")
    return json.loads(p.stdout)


def build_load_tool(outdir: Path) -> Path:
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        raise RuntimeError("no C compiler (cc) for bench/handshake_load.c")
    out = outdir / "handshake_load"
    subprocess.run([cc, "-O2", "-D_GNU_SOURCE", "-Wall", "-Wextra", "-o", str(out),
                    str(ROOT / "bench" / "handshake_load.c")], check=True, timeout=120)
    return out


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    ap.add_argument("--seconds", type=int, default=5,
                    help="whole seconds per measurement, 1..60 (default 5): wrk's -d takes no fraction")
    ap.add_argument("--conc", type=int, default=50, help="concurrent connections (default 50)")
    ap.add_argument("--pipeline", type=int, default=16, metavar="DEPTH",
                    help="requests per write in the 426-pipelined scenario (default 16; 0 skips it)")
    ap.add_argument("--all", action="store_true", help="also 426 with a fresh connection each")
    ap.add_argument("--json", metavar="FILE", help="write every measurement as JSON")
    ap.add_argument("--nice", type=int, default=0, metavar="N",
                    help="niceness added to the servers and load generators, e.g. -10 (root) to "
                         "take precedence over other work on a shared machine")
    ap.add_argument("--no-pin", action="store_true",
                    help="do not pin the server and the load generator to separate CPUs")
    args = ap.parse_args()
    if not (1 <= args.rounds <= 20 and 1 <= args.seconds <= 60 and 1 <= args.conc <= 1000
            and 0 <= args.pipeline <= 256):
        ap.error("bounds: --rounds 1..20, --seconds 1..60, --conc 1..1000, --pipeline 0..256")
    return args


def measure(args, scenarios: list[str], server_cpu, load_cpu) -> dict[str, dict[str, list[dict]]]:
    """Start both servers, check their answers, run every scenario on both for every round (the
    order alternating), check the answers again; the measurements by scenario and server."""
    results: dict[str, dict[str, list[dict]]] = {s: {"refserver": [], "nginx": []} for s in scenarios}
    with tempfile.TemporaryDirectory(prefix="sy-bench-") as tmp:
        tmpdir = Path(tmp)
        tool = build_load_tool(tmpdir)
        (tmpdir / "handshake.http").write_bytes(HANDSHAKE)
        (tmpdir / "live.http").write_bytes(PLAIN_LIVE)
        servers = Servers(tmpdir, server_cpu, max_conns=max(256, 2 * args.conc + 64))
        try:
            ports = {"refserver": servers.start_refserver()}
            body426 = fetch(ports["refserver"], PLAIN_LIVE).split(b"\r\n\r\n", 1)[1].decode()
            ports["nginx"] = servers.start_nginx(body426)
            for name, port in ports.items():
                check_answers(name, port)
            pids = {name: proc.pid for proc, name in servers.procs}
            log(f"bench: refserver on :{ports['refserver']}, nginx on :{ports['nginx']}; "
                f"{args.rounds} rounds x {args.seconds:g} s, {args.conc} connections; "
                f"server CPU {server_cpu}, load CPU {load_cpu}")
            for rnd in range(args.rounds):
                order = ["refserver", "nginx"] if rnd % 2 == 0 else ["nginx", "refserver"]
                for scen in scenarios:
                    for name in order:
                        cpu0, t0 = cpu_seconds(pids[name]), time.monotonic()
                        if scen == "426":
                            r = run_wrk(ports[name], args.seconds, args.conc, load_cpu)
                        elif scen == "426-pipelined":
                            r = run_wrk(ports[name], args.seconds, args.conc, load_cpu,
                                        args.pipeline)
                        elif scen == "101":
                            r = run_load(tool, ports[name], args.seconds, args.conc, 101,
                                         tmpdir / "handshake.http", load_cpu)
                        else:
                            r = run_load(tool, ports[name], args.seconds, args.conc, 426,
                                         tmpdir / "live.http", load_cpu)
                        r["server_cpu"] = (cpu_seconds(pids[name]) - cpu0) / (time.monotonic() - t0)
                        results[scen][name].append(r)
                        log(f"bench: round {rnd + 1} {scen:13} {name:9} {r['rate']:10.0f}/s, "
                            f"server CPU {100 * r['server_cpu']:3.0f}%")
                for name, port in ports.items():  # both still answer correctly after the load
                    check_answers(name, port)
        finally:
            servers.stop_all()
    return results


def print_summary(args, scenarios: list[str], results, busy: float, server_cpu, load_cpu) -> dict:
    """The table of medians and rounds, and the legend; the medians by scenario."""
    print()
    if busy > 0.5:
        print(f"WARNING: load average was {busy:.2f} before the run (other work on the machine)")
    print(f"refserver vs nginx {nginx_version()} on loopback: {args.rounds} alternating rounds x "
          f"{args.seconds:g} s, {args.conc} connections, 1 load thread"
          + (f"; server on CPU {server_cpu}, load on CPU {load_cpu}" if server_cpu is not None else "")
          + (f"; nice {NICE:+d}" if NICE else ""))
    print()
    print(f"{'scenario':<13} {'refserver/s':>12} {'nginx/s':>10} {'ratio':>6}  {'1.2x?':<5}  "
          f"{'server CPU':>10}  {'per CPU-s ratio':>15}  rounds: refserver | nginx")
    summary = {}
    for scen in scenarios:
        ref = results[scen]["refserver"]
        ngx = results[scen]["nginx"]
        mr = statistics.median(r["rate"] for r in ref)
        mn = statistics.median(r["rate"] for r in ngx)
        cr = statistics.median(r["server_cpu"] for r in ref)
        cn = statistics.median(r["server_cpu"] for r in ngx)
        ratio = mr / mn if mn else float("inf")
        # requests per second of server CPU: what the server costs per request, whoever the
        # bottleneck was (when a server is below ~90% CPU, the load generator limited it)
        eff = (mr / cr) / (mn / cn) if cr and cn and mn else float("nan")
        summary[scen] = {"refserver": mr, "nginx": mn, "ratio": ratio, "refserver_cpu": cr,
                         "nginx_cpu": cn, "per_cpu_second_ratio": eff}
        rounds_ref = " ".join(f"{r['rate']:.0f}" for r in ref)
        rounds_ngx = " ".join(f"{r['rate']:.0f}" for r in ngx)
        print(f"{scen:<13} {mr:>12.0f} {mn:>10.0f} {ratio:>5.2f}x  {'yes' if ratio >= 1.2 else 'NO':<5}  "
              f"{100 * cr:>4.0f}%/{100 * cn:>3.0f}%  {eff:>14.2f}x  "
              f"{rounds_ref} | {rounds_ngx}")
    errs = {f"{s}/{n}": sum(r.get("errors", 0) + r.get("wrong_status", 0) for r in rs)
            for s, by in results.items() for n, rs in by.items()}
    if any(errs.values()):
        print(f"\nerrors or unexpected statuses during the load: {errs}")
    print("\n426: GET /live answered 426, keep-alive connections (wrk). 426-pipelined: the same, "
          f"{args.pipeline} requests per write.\n101: opening handshakes, "
          "one per new TCP connection (bench/handshake_load.c). 426-fresh: GET /live, one per\n"
          "new connection. ratio = refserver/nginx (medians).\nserver CPU: share of one CPU the "
          "server used (refserver/nginx); below ~90% the load generator, not the server, was the\n"
          "limit. per CPU-s ratio: requests per CPU-second of refserver / of nginx. nginx's 101 is "
          "a static `return 101`\n(no key check, no SHA-1): see this script's docstring.")
    return summary


def main() -> int:
    args = parse_args()
    global NICE
    NICE = args.nice
    busy = os.getloadavg()[0]
    if busy > 0.5:
        log(f"bench: warning: load average {busy:.2f} before the run: other work on this machine "
            "competes with the servers and the load generator, figures will be noisy")
    cpus = sorted(os.sched_getaffinity(0))
    server_cpu, load_cpu = (cpus[-1], cpus[0]) if len(cpus) >= 2 and not args.no_pin \
        else (None, None)
    scenarios = (["426"] + (["426-pipelined"] if args.pipeline else []) + ["101"]
                 + (["426-fresh"] if args.all else []))
    results = measure(args, scenarios, server_cpu, load_cpu)
    summary = print_summary(args, scenarios, results, busy, server_cpu, load_cpu)
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "summary": summary,
                                               "results": results}, indent=2))
    return 0



def nginx_version() -> str:
    try:
        p = subprocess.run([shutil.which("nginx") or "/usr/sbin/nginx", "-v"], capture_output=True,
                           text=True, timeout=10)
        m = re.search(r"nginx/(\S+)", p.stderr)
        return m.group(1) if m else "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


if __name__ == "__main__":
    sys.exit(main())
