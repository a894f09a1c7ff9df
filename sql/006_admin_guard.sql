-- 006: at least one admin always remains (docs/api.md: deleting or demoting the last admin is 409).
-- Every change that can take an admin away (a delete, a role change) first UPDATEs this one
-- row, then counts the admins that would remain. The row write is what makes it hold:
-- * on one server, such changes queue on the row lock, so each counts after the previous one
--   committed (two admins demoting each other at once: the second sees one admin left);
-- * on a multi-node Galera cluster, where SELECT ... FOR UPDATE locks only on its own node,
--   two such changes on different nodes both write this row: certification lets one commit
--   and aborts the other as a deadlock, which is retried and then sees the first.
-- `changes` only counts; its value means nothing. Adding an admin needs no guard.

CREATE TABLE IF NOT EXISTS admin_guard (
    id      TINYINT UNSIGNED NOT NULL,
    changes BIGINT UNSIGNED  NOT NULL DEFAULT 0,
    PRIMARY KEY (id),
    CONSTRAINT chk_admin_guard_single_row CHECK (id = 1)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT IGNORE INTO admin_guard (id) VALUES (1);

-- The count of the remaining admins reads (and share-locks) only admin rows.
CREATE INDEX IF NOT EXISTS idx_users_role ON users (role);
