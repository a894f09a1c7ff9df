"""A private local stack for library-api: MariaDB, memcached, the app under spawn-fcgi, and
nginx or lighttpd in front, all under one run folder, every process recorded and stopped by PID.

    python3 -m tools.devstack run        # what `make run` does
    python3 -m tools.devstack stop       # stop whatever a killed run left behind

The end-to-end tests (Tests/e2e) drive the same classes: see stack.Stack.
"""
