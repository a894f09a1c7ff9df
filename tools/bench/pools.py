"""The bench's stack: tools/devstack's Stack (MariaDB, memcached, the app under spawn-fcgi +
multiwatch, nginx) plus FastCGI pools of its own beside the app, each on its own unix socket
behind its own nginx upstream.

An extra pool is started exactly as the app's (devstack's AppPool: spawn-fcgi -b 1024,
multiwatch, the same process count and APP_THREADS), and its upstream block is a copy of the
app's from conf/nginx/nginx.conf.template, so that only the program behind the socket differs.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..devstack.app import App, AppPool
from ..devstack.nginx import TEMPLATE
from ..devstack.process import StartError, children
from ..devstack.stack import Stack, StackConfig

HELLO_SOURCE = Path(__file__).resolve().parent / "fcgi_hello.c"
BASE_PREFIX = "/_base"   # bench-check: nginx sends /_base/... to the base pool, prefix stripped

# Limits no run reaches: production always pays for the counting, so the bench does too.
RATE_LIMITS = {
    "RATELIMIT_ENABLED": "true",
    "RATELIMIT_DEFAULT": "1000000000 per day",
    "RATELIMIT_LOGIN": "1000000000 per day",
    "RATELIMIT_REGISTER": "1000000000 per day",
}


def compile_hello(run: Path) -> Path:
    """The C hello (see its header comment), built into the run folder."""
    target = run / "fcgi-hello"
    argv = ["cc", "-O2", "-pthread", "-o", str(target), str(HELLO_SOURCE), "-lfcgi", "-lmemcached"]
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise StartError(f"{' '.join(argv)} failed:\n{done.stderr}")
    return target


def _upstream_like_app(name: str, socket: Path, keepalive: int) -> str:
    """The template's `upstream library_app` block, renamed and pointed at another socket."""
    match = re.search(r"^( *)upstream library_app \{\n(.*?)^\1\}", TEMPLATE.read_text(), re.M | re.S)
    if not match:
        raise StartError(f"no `upstream library_app` block in {TEMPLATE}")
    body = match[2].replace("{{APP_SOCKET}}", str(socket)).replace("{{KEEPALIVE}}", str(keepalive))
    if "{{" in body:
        raise StartError(f"{TEMPLATE}: unexpected placeholder in upstream library_app: {body}")
    return f"upstream {name} {{\n{body}    }}"


def _server_fastcgi_params() -> list[str]:
    """The template's server-level fastcgi_param lines. A location that sets one fastcgi_param
    inherits none, so the base location repeats them all (with its own REQUEST_URI)."""
    params = re.findall(r"^ *(fastcgi_param [^;]*;)", TEMPLATE.read_text(), re.M)
    if not any("REQUEST_URI" in p for p in params):
        raise StartError(f"{TEMPLATE}: no fastcgi_param REQUEST_URI to rewrite")
    return params


@dataclass
class ExtraPool:
    """A pool beside the app: its name, socket, upstream, and where nginx routes to it."""
    name: str                       # hello | hello-memcached | ... | base
    socket: Path
    location: str                   # nginx location prefix or exact path
    exact: bool = True              # `location = path` (else a prefix, stripped: bench-check)
    pool: AppPool | None = None

    @property
    def upstream(self) -> str:
        return "bench_" + self.name.replace("-", "_")

    def nginx_upstream(self, keepalive: int) -> str:
        text = _upstream_like_app(self.upstream, self.socket, keepalive)
        if not self.exact:
            # the app reads its path from REQUEST_URI: give it the URI without the prefix
            text += (f"\n    map $request_uri ${self.upstream}_request_uri {{\n"
                     f'        "~^{self.location}(?<{self.upstream}_rest>/.*)$" ${self.upstream}_rest;\n'
                     f"        default $request_uri;\n    }}")
        return text

    def nginx_location(self) -> str:
        if self.exact:
            return f"location = {self.location} {{\n            fastcgi_pass {self.upstream};\n        }}"
        params = [p.replace("$request_uri", f"${self.upstream}_request_uri")
                  for p in _server_fastcgi_params()]
        lines = [f"location ^~ {self.location}/ {{",
                 f"    rewrite ^{self.location}(/.*)$ $1 break;",
                 f"    fastcgi_pass {self.upstream};",
                 *(f"    {p}" for p in params)]
        return "\n        ".join(lines) + "\n        }"


@dataclass
class BenchStack:
    """The stack and its extra pools, started and stopped together."""
    run: Path
    binary: Path
    processes: int
    threads: int
    books: int
    database: str
    extra_threads: int | None = None   # threads per process of the extra pools (default: threads)
    keepalive: int = 16             # nginx upstream keepalive, per worker, of every upstream
    extras: list[ExtraPool] = field(default_factory=list)
    stack: Stack | None = None
    web_workers = 2                 # nginx worker_processes

    def config(self) -> StackConfig:
        return StackConfig(
            run=self.run, server="nginx", port=0, binary=self.binary,
            processes=self.processes, threads=self.threads, web_workers=self.web_workers,
            keepalive=self.keepalive,
            library_env="production", log_level="info", database=self.database,
            seed_books=self.books, app_env={"ACCESS_LOG": "true", **RATE_LIMITS},
            bench_locations="\n\n        ".join(e.nginx_location() for e in self.extras) or True,
            bench_upstreams="\n\n    ".join(e.nginx_upstream(self.keepalive) for e in self.extras))

    def start(self, commands: dict[str, tuple[Path, list[str] | None]],
              before_extras: Callable[[Stack], None] = lambda stack: None) -> Stack:
        """Start the stack, call `before_extras`, then start each extra pool: commands[name] =
        (binary, argv or None for `serve`), where an argv may name "{memcached}" (the app's
        first memcached server)."""
        self.stack = Stack(self.config())
        self.stack.start()
        before_extras(self.stack)
        memcached = self.stack.app.env["MEMCACHED_SERVERS"].split(",")[0].strip()
        for extra in self.extras:
            binary, argv = commands[extra.name]
            argv = [a.replace("{memcached}", memcached) for a in argv] if argv else None
            extra.pool = AppPool(self.stack.processes, App(binary, self.stack.app.env),
                                 extra.socket, count=self.processes, threads=self.extra_threads or self.threads,
                                 name=extra.name, command=argv)
            extra.pool.start()
        return self.stack

    def pools(self) -> dict[str, AppPool]:
        found = {"app": self.stack.pool} if self.stack and self.stack.pool else {}
        return found | {e.name: e.pool for e in self.extras if e.pool}

    def other_pids(self) -> dict[str, list[int]]:
        """nginx (master and workers), memcached and MariaDB: where the rest of the CPU goes."""
        started = self.stack.processes.started
        found = {}
        if "nginx" in started:
            found["nginx"] = [started["nginx"].pid] + children(started["nginx"].pid)
        if "memcached" in started:
            found["memcached"] = [started["memcached"].pid]
        db = self.stack.mariadb.processes.started.get("mariadb") if self.stack.mariadb else None
        if db:
            found["mariadb"] = [db.pid]
        return found

    def stop(self) -> None:
        # the extra pools gracefully first (AppPool.stop kills leftovers), then the stack
        for extra in reversed(self.extras):
            if extra.pool:
                extra.pool.stop()
        if self.stack:
            self.stack.stop()


def copy_binary(binary: Path, target: Path) -> Path:
    """A private copy: a rebuild during the bench (another build in the same tree) must not
    change the program measured, nor what multiwatch restarts."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    shutil.copy2(binary, tmp)
    tmp.replace(target)
    return target
