"""`library-app migrate` from two hosts on two Galera nodes at once: GET_LOCK is local to a node,
so the migrator also takes a lock row that both write; each migration is applied once."""
from __future__ import annotations

import subprocess
import threading

from invariants import SYNCED

from tools.devstack.app import REPO

TRIALS = 3


def test_two_migrators_on_two_nodes_apply_each_migration_once(cluster):
    host = cluster.hosts[0]
    password = host.secrets["db_password"]
    migrations = sorted(p.stem for p in (REPO / "sql").glob("[0-9][0-9][0-9]_*.sql"))
    for trial in range(TRIALS):
        database = f"migrate_race_{trial}"
        urls = [cluster.nodes[0].create_database(database, "library", password),
                cluster.nodes[1].tcp_url(database, "library", password)]
        outputs: list = [None, None]

        def migrate(index: int) -> None:
            outputs[index] = subprocess.run(
                [str(host.app.binary), "migrate"], capture_output=True, text=True, timeout=180,
                env={**host.app.env, "DATABASE_URL": urls[index]}, stdin=subprocess.DEVNULL)

        threads = [threading.Thread(target=migrate, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(200)
        for done in outputs:
            assert done.returncode == 0, f"trial {trial}: migrate failed:\n{done.stdout}{done.stderr}"
        # each migration applied by exactly one of the two
        applied = sum((done.stdout + done.stderr).count("applied migration") for done in outputs)
        assert applied == len(migrations), f"trial {trial}: {applied} applications of {len(migrations)}"
        for node in cluster.nodes:
            versions = node.query(SYNCED + "SELECT version FROM schema_migrations ORDER BY version", database)
            assert [int(v[0]) for v in versions] == [int(m[:3]) for m in migrations], node.name
            owner = node.query(SYNCED + "SELECT owner FROM schema_migrations_lock", database)
            assert owner == [["NULL"]], f"{node.name}: lock row still taken: {owner}"
