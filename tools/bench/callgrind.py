"""Instructions per request, counted by valgrind's callgrind: the noise-free figure of the app's
own (user-space) work, for `make bench-instructions`.

CPU time per request moves by ±10 % between runs on a shared machine; the instructions a request
executes do not (repeat runs agree to 0.2 %), so a change of 1-2 % in the Swift work shows.
What they leave out is the kernel's side (system calls, scheduling) and how fast the
instructions run (cache misses): CPU µs per request stays the figure the targets are stated in.

The app's `serve` processes run under callgrind (through a wrapper script that passes every
other subcommand straight to the binary); around a few seconds in the middle of a wrk run the
counters of the pool's processes are zeroed and then dumped, and the dumps are read: every
instruction the processes executed in that window (all threads: workers, log flusher, ...)
divided by the requests they served, counted as the calls into the app's FastCGI responder.
"""
from __future__ import annotations

import re
import subprocess
import threading
import time
from pathlib import Path

from ..devstack.process import StartError
from . import wrk
from .measure import Case
from .pools import BenchStack

# The call that serves one request: Worker.run -> the FastCGIResponder witness of respond(to:).
RESPONDER_CALL = re.compile(r"CGIResponder.*respond2to.*TW")
SETTLE_SECONDS = 1.0   # of the wrk run, before counting starts (connections open, threads busy)


def wrap(binary: Path, out_dir: Path) -> Path:
    """A script that runs `binary serve ...` under callgrind, writing its files into out_dir,
    and any other subcommand (migrate, seed) natively."""
    if subprocess.run(["which", "valgrind"], capture_output=True).returncode != 0:
        raise StartError("valgrind not found (apt-get install valgrind)")
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("callgrind.*"):
        old.unlink()
    script = out_dir / "serve-under-callgrind"
    script.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = serve ]; then\n'
        f'  exec valgrind --quiet --tool=callgrind --callgrind-out-file={out_dir}/callgrind.%p {binary} "$@"\n'
        "fi\n"
        f'exec {binary} "$@"\n')
    script.chmod(0o755)
    return script


def _control(command: str, pids: list[int]) -> None:
    for pid in pids:
        done = subprocess.run(["callgrind_control", f"--{command}", str(pid)], capture_output=True, text=True)
        if done.returncode != 0:
            raise StartError(f"callgrind_control --{command} {pid}: {done.stderr.strip() or done.stdout.strip()}")


def _latest_dump(out_dir: Path, pid: int) -> Path:
    dumps = sorted(out_dir.glob(f"callgrind.{pid}.*"), key=lambda p: int(p.suffix[1:]))
    if not dumps:
        raise StartError(f"no callgrind dump of process {pid} in {out_dir}")
    return dumps[-1]


def read_dump(path: Path) -> tuple[int, int]:
    """(instructions in the dump, calls into the responder) of one callgrind file."""
    names: dict[str, str] = {}
    callee, instructions, calls = "", 0, 0
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith(("summary:", "totals:")):
            instructions = int(line.split()[1])
        elif line.startswith(("fn=", "cfn=")):
            key, _, rest = line.partition("=")
            m = re.match(r"\((\d+)\)(?: (.*))?$", rest)
            name = rest
            if m:   # name compression: "(id) name" the first time, "(id)" after
                if m.group(2) is not None:
                    names[m.group(1)] = m.group(2)
                name = names.get(m.group(1), "")
            if key == "cfn":
                callee = name
        elif line.startswith("calls=") and RESPONDER_CALL.search(callee):
            calls += int(line[6:].split()[0])
    return instructions, calls


def count(bench: BenchStack, case: Case, out_dir: Path, *, duration: float, timeout: float) -> tuple[float, int]:
    """Instructions per request of case's pool during the middle of one wrk run of `duration`
    seconds, and the requests counted."""
    pids = bench.pools()[case.pool or case.scenario.pool].pids()
    s = case.scenario
    s.before()
    done: dict[str, object] = {}

    def load() -> None:
        try:
            done["result"] = wrk.run(bench.stack.url + case.path_prefix + s.path, connections=case.connections,
                                     threads=min(2, case.connections), duration=duration, timeout=timeout,
                                     script=s.script, args=s.args(2), headers=s.headers())
        except Exception as error:   # reported below, on the measuring thread
            done["error"] = error

    runner = threading.Thread(target=load)
    runner.start()
    time.sleep(SETTLE_SECONDS)
    _control("zero", pids)
    time.sleep(max(duration - 2 * SETTLE_SECONDS, 1.0))
    _control("dump", pids)
    runner.join()
    if "error" in done:
        raise StartError(f"wrk during the instruction count: {done['error']}")
    s.after(done["result"])
    instructions = calls = 0
    for pid in pids:
        i, c = read_dump(_latest_dump(out_dir, pid))
        instructions, calls = instructions + i, calls + c
    if calls == 0:
        raise StartError(f"{s.title}: no request counted in the callgrind dumps of {out_dir}")
    return instructions / calls, calls
