-- 005: each user's active loans counted on the user's row (issue 9, performance; issue 14,
-- multi-primary clusters). A borrow increments the count before it checks the limit, and a
-- return decrements it in the statement that marks the loan returned (LoanStore): every borrow
-- and return of one user writes this row. Parallel borrows by one user queue on its lock on
-- one server, and conflict at certification on a Galera cluster, where a COUNT over loans
-- would be a read another node's borrow never touches (write skew past MAX_ACTIVE_LOANS).
-- It replaces a SELECT ... FOR UPDATE and a COUNT per borrow.
-- The count starts from the loans; loans made by processes of an older version while this
-- runs are not counted: migrate with the old processes stopped (docs/operations.md).

ALTER TABLE users ADD COLUMN IF NOT EXISTS active_loans INT UNSIGNED NOT NULL DEFAULT 0 AFTER role;

UPDATE users u SET u.active_loans = (SELECT COUNT(*) FROM loans l WHERE l.user_id = u.id AND l.returned_at IS NULL), u.updated_at = u.updated_at;
