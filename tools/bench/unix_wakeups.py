"""How often a client thread sleeps per request/answer round trip, waiting in a blocking `recv`
or in `poll(POLLIN)` then `recv`, over a unix socket and over loopback TCP
(docs/performance.md, "The database-bound rows, another pass").

    python3 -m tools.bench.unix_wakeups [--rounds 500]

A peer process reads each request half a millisecond after it was sent and answers half a
millisecond later, so the client is always asleep when either happens. On a unix stream socket
the peer's read frees the request's buffer, and the kernel then wakes every sleeper on the
client's socket (`unix_write_space`): a blocking `recv` wakes, finds nothing and sleeps again,
while `poll(POLLIN)` ignores a wake-up for writing. Over TCP neither wakes early. Prints the
client's voluntary context switches per round trip (`getrusage`). Standard library only; a few
seconds, no load.
"""
from __future__ import annotations

import argparse
import os
import resource
import select
import socket
import time

PAUSE = 0.0005


def peer(end: socket.socket, rounds: int) -> None:
    for _ in range(rounds):
        time.sleep(PAUSE)
        end.recv(100)
        time.sleep(PAUSE)
        end.send(b"a" * 100)
    os._exit(0)


def pair(kind: str) -> tuple[socket.socket, socket.socket]:
    if kind == "unix":
        return socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    client = socket.create_connection(listener.getsockname())
    server, _ = listener.accept()
    listener.close()
    for end in (client, server):
        end.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return client, server


def switches_per_round(kind: str, wait: str, rounds: int) -> float:
    client, server = pair(kind)
    child = os.fork()
    if child == 0:
        client.close()
        peer(server, 2 * rounds)
    server.close()
    poller = select.poll()
    poller.register(client, select.POLLIN)
    before = 0
    for round in range(2 * rounds):  # the first half warms up
        if round == rounds:
            before = resource.getrusage(resource.RUSAGE_SELF).ru_nvcsw
        client.send(b"q" * 100)
        if wait == "poll":
            poller.poll(5000)
        client.recv(100)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_nvcsw
    os.waitpid(child, 0)
    client.close()
    return (after - before) / rounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=500)
    args = parser.parse_args()
    for kind in ("unix", "tcp"):
        for wait in ("recv", "poll"):
            label = "blocking recv" if wait == "recv" else "poll(POLLIN), recv"
            print(f"{kind:4} {label:18}: {switches_per_round(kind, wait, args.rounds):.2f} voluntary context switches per round trip")


if __name__ == "__main__":
    main()
