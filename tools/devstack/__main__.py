"""python3 -m tools.devstack run|cluster|stop — see README.md, "Running locally"."""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Callable

from .app import REPO, build
from .process import StartError, stop_recorded
from .galera import Cluster, ClusterConfig
from .stack import ADMIN_EMAIL, Stack, StackConfig


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python3 -m tools.devstack")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="build, start the stack, wait for Ctrl-C, stop it")
    run.add_argument("--dir", type=Path, default=REPO / "run", help="run folder (default run/)")
    run.add_argument("--server", choices=["nginx", "lighttpd"], default="nginx")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8080)),
                     help="web server port (default $PORT or 8080)")
    run.add_argument("--processes", type=int, default=2, help="app processes (default 2)")
    run.add_argument("--threads", type=int, default=8, help="threads per app process (default 8)")
    run.add_argument("--workers", type=int, default=2, help="nginx worker_processes (default 2)")
    run.add_argument("--keepalive", type=int, default=16, help="nginx upstream keepalive per worker")
    run.add_argument("--env", dest="library_env", default="development",
                     choices=["development", "testing", "production"], help="LIBRARY_ENV")
    run.add_argument("--no-build", action="store_true", help="use the binary already built")
    run.add_argument("--debug", action="store_true", help="debug build instead of release")
    run.add_argument("--binary", type=Path, help="run this library-app binary (implies --no-build)")
    run.add_argument("--database-tls", action="store_true",
                     help="MariaDB with a throw-away CA; the app connects over TCP with TLS, verified")

    cluster = sub.add_parser("cluster", help="3 Galera nodes, 2 memcached, 2 app hosts; Ctrl-C stops")
    cluster.add_argument("--dir", type=Path, default=REPO / "run" / "cluster", help="run folder")
    cluster.add_argument("--binary", type=Path, help="run this library-app binary (else build release)")
    cluster.add_argument("--processes", type=int, default=2, help="app processes per host (default 2)")
    cluster.add_argument("--threads", type=int, default=8, help="threads per app process (default 8)")

    stop = sub.add_parser("stop", help="stop every process recorded under the run folder")
    stop.add_argument("--dir", type=Path, default=REPO / "run")
    return parser.parse_args(argv)


def interrupt(_signum, _frame):
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    binary = args.binary
    if binary is None and not args.no_build:
        binary = built("debug" if args.debug else "release")
        if binary is None:
            return 1
    config = StackConfig(run=args.dir, server=args.server, host=args.host, port=args.port,
                         binary=binary, processes=args.processes, threads=args.threads,
                         web_workers=args.workers, keepalive=args.keepalive,
                         library_env=args.library_env, seed_books=1000,
                         database_tls=args.database_tls)
    stack = Stack(config)

    def start() -> None:
        stack.start()
        print_welcome(stack)

    return serve_until_interrupted(start, stack.stop)


def run_cluster(args: argparse.Namespace) -> int:
    binary = args.binary or built("release")
    if binary is None:
        return 1
    cluster = Cluster(ClusterConfig(run=args.dir, binary=binary, processes=args.processes,
                                    threads=args.threads, library_env="development"))

    def start() -> None:
        print("devstack: starting 3 Galera nodes (about a minute) ...", flush=True)
        cluster.start()
        lines = ["", "library-api on a Galera cluster is up:"]
        for name, host, node in zip("AB", cluster.hosts, cluster.nodes):
            lines.append(f"  host {name}: {host.url}   ({args.processes} x library-app -> {node.name}, 127.0.0.1:{node.port})")
        lines += [f"  {node.name}: {node.client_command(cluster.config.database, cluster.config.database)}"
                  for node in cluster.nodes]
        lines += [f"  memcached: {', '.join(m.servers for m in cluster.memcached)} (both hosts)",
                  f"  admin: {ADMIN_EMAIL} / {cluster.hosts[0].secrets['admin_password']}"
                  f"   database password: {cluster.hosts[0].secrets['db_password']}",
                  f"  logs: {cluster.run}/*/logs/",
                  "Press Ctrl-C to stop everything.", ""]
        print("\n".join(lines), flush=True)

    return serve_until_interrupted(start, cluster.stop)


def built(kind: str) -> Path | None:
    """The binary of a `kind` build, or None when the build failed (said on stderr)."""
    try:
        return build(kind)
    except subprocess.CalledProcessError as error:
        print(f"devstack: build failed ({error.returncode})", file=sys.stderr)
        return None


def serve_until_interrupted(start: Callable[[], None], stop: Callable[[], None]) -> int:
    """start(), then wait for Ctrl-C or `kill <pid>` (SIGTERM), then stop(): the exit status.
    A start that fails stops what it started too."""
    signal.signal(signal.SIGINT, interrupt)   # Ctrl-C (even if started with SIGINT ignored)
    signal.signal(signal.SIGTERM, interrupt)  # `kill <pid>` stops cleanly, like Ctrl-C
    status = 0
    try:
        start()
        while True:
            signal.pause()
    except KeyboardInterrupt:
        print("\ndevstack: stopping ...", flush=True)
    except StartError as error:
        print(f"devstack: {error}", file=sys.stderr)
        status = 1
    finally:
        # a second Ctrl-C must not cut the clean-up short
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop()
    print("devstack: stopped", flush=True)
    return status


def print_welcome(stack: Stack) -> None:
    c, run = stack.config, stack.run
    lines = [
        "",
        f"library-api is up: {stack.url}   ({c.server} -> {c.processes} x library-app "
        f"{c.threads} threads, LIBRARY_ENV={c.library_env})",
        f"  curl -i {stack.url}/health",
    ]
    if stack.admin_created:
        lines += [
            "  log in as the admin:",
            f"  curl -s -X POST {stack.url}/users/login -H 'Content-Type: application/json' \\",
            f"       -d '{{\"email\": \"{ADMIN_EMAIL}\", \"password\": \"{stack.secrets['admin_password']}\"}}'",
        ]
    lines += [
        f"  database: {stack.mariadb.client_command(c.database, c.database)}"
        f"   (password: {stack.secrets['db_password']})",
        f"  logs: {run / 'logs'}/   secrets: {run / 'secrets.json'}",
        "Press Ctrl-C to stop everything.",
        "",
    ]
    print("\n".join(lines), flush=True)


def main(argv: list[str]) -> int:
    args = parse(argv)
    if args.command == "stop":
        stopped = stop_recorded(args.dir.resolve(), recursive=True)
        print("devstack: stopped " + (", ".join(stopped) if stopped else "nothing"))
        return 0
    if args.command == "cluster":
        return run_cluster(args)
    return run(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
