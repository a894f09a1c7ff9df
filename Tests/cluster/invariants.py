"""The contract's invariants, checked in SQL on every node of the cluster."""
from __future__ import annotations

# A read that waits until this node has applied every write the cluster committed before it.
SYNCED = "SET SESSION wsrep_sync_wait = 1; "

# Each query returns the rows that break an invariant: none may come back, on any node.
VIOLATIONS = {
    "copies_available is copies_total less the book's active loans": """
        SELECT b.id FROM books b LEFT JOIN loans l ON l.book_id = b.id AND l.returned_at IS NULL
        GROUP BY b.id, b.copies_total, b.copies_available
        HAVING b.copies_available <> b.copies_total - COUNT(l.id) OR b.copies_available < 0""",
    "users.active_loans counts the user's active loans": """
        SELECT u.id FROM users u LEFT JOIN loans l ON l.user_id = u.id AND l.returned_at IS NULL
        GROUP BY u.id, u.active_loans HAVING u.active_loans <> COUNT(l.id)""",
    "no user holds more than MAX_ACTIVE_LOANS (5) active loans": """
        SELECT user_id FROM loans WHERE returned_at IS NULL GROUP BY user_id HAVING COUNT(*) > 5""",
    "one active loan of a book per user": """
        SELECT user_id FROM loans WHERE returned_at IS NULL GROUP BY user_id, book_id HAVING COUNT(*) > 1""",
}


def check_every_node(cluster) -> None:
    database = cluster.config.database
    contents = []
    for node in cluster.nodes:
        for name, query in VIOLATIONS.items():
            rows = node.query(SYNCED + query, database)
            assert rows == [], f"{node.name}: {name}: broken for {rows[:10]}"
        contents.append(node.query(
            SYNCED + "SELECT COUNT(*), COALESCE(SUM(returned_at IS NULL), 0), "
            "(SELECT SUM(copies_available) FROM books), (SELECT COUNT(*) FROM users) FROM loans",
            database))
    # every node holds the same data once the cluster is synced
    assert all(c == contents[0] for c in contents), contents
