"""A SIGTERM that arrives while `serve` is still starting stops it (exit 0, once it can), and
is never lost: opening the socket runs libfcgi's FCGX_Init, which installs a SIGTERM handler
of its own that would take the signal and leave the process serving."""
from __future__ import annotations

import signal
import socket
import time

from test_fastcgi_socket import serve  # noqa: F401 (a fixture)


def test_a_sigterm_during_start_up_stops_serve(tmp_path, serve):  # noqa: F811
    # A memcached that accepts and never answers: the epoch bump at start waits its timeouts,
    # after the socket exists and before the server collects signals (the window).
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)
    try:
        for trial in range(5):
            path = tmp_path / f"app-{trial}.sock"
            process = serve("--socket", str(path), MEMCACHED_SERVERS=f"127.0.0.1:{silent.getsockname()[1]}")
            deadline = time.monotonic() + 30
            while not path.exists():  # polled often: the window after it is ~0.1 s
                assert process.poll() is None and time.monotonic() < deadline, "serve did not start"
                time.sleep(0.002)
            process.send_signal(signal.SIGTERM)
            started = time.monotonic()
            # before the fix: still running, the signal gone to libfcgi's handler
            assert process.wait(timeout=15) == 0, f"trial {trial}: exit {process.returncode}"
            assert time.monotonic() - started < 15
    finally:
        silent.close()
