-- 007: holds, a per-book queue of readers waiting for a copy (issue 12).
-- Every count a hold rule needs lives on a row that each change of it WRITES, so that the
-- rules hold on one server (row locks) and on a multi-primary Galera cluster (certification
-- conflicts on written rows; a SELECT ... FOR UPDATE locks on its own node only):
-- * books.copies_set_aside: copies kept for `ready` holds. Copies on loan are
--   copies_total - copies_available - copies_set_aside, never negative (CHECK): a copy is
--   never set aside twice, nor lent while set aside.
-- * books.holds_waiting: `waiting` holds. A free copy goes to the queue before the shelf, so
--   copies_available is 0 while anyone waits (CHECK).
-- * books.hold_sequence: the per-book queue number, taken by the UPDATE that places a hold.
-- * users.active_holds: the user's waiting and ready holds (MAX_HOLDS), like active_loans.
-- Loans made by processes of an older version while this runs are not reconciled: migrate
-- with the old processes stopped (docs/operations.md).

-- Some of these ALTERs rebuild the books table, and with it ft_books_title_author: without
-- stopwords, as sql/002 made it (else a search for "the garden" would find nothing).
SET SESSION innodb_ft_enable_stopword = OFF;

ALTER TABLE books ADD COLUMN IF NOT EXISTS copies_set_aside INT NOT NULL DEFAULT 0 AFTER copies_available;

ALTER TABLE books ADD COLUMN IF NOT EXISTS holds_waiting INT NOT NULL DEFAULT 0 AFTER copies_set_aside;

ALTER TABLE books ADD COLUMN IF NOT EXISTS hold_sequence BIGINT UNSIGNED NOT NULL DEFAULT 0 AFTER holds_waiting;

ALTER TABLE users ADD COLUMN IF NOT EXISTS active_holds INT UNSIGNED NOT NULL DEFAULT 0 AFTER active_loans;

-- Reconciled from the loans: what is not on loan is on the shelf (no hold exists yet).
UPDATE books b SET b.copies_available = GREATEST(0, b.copies_total - (SELECT COUNT(*) FROM loans l WHERE l.book_id = b.id AND l.returned_at IS NULL)), b.updated_at = b.updated_at;

ALTER TABLE books ADD CONSTRAINT chk_books_copies_set_aside CHECK (copies_set_aside >= 0 AND copies_available + copies_set_aside <= copies_total);

ALTER TABLE books ADD CONSTRAINT chk_books_holds_waiting CHECK (holds_waiting >= 0 AND (holds_waiting = 0 OR copies_available = 0));

SET SESSION innodb_ft_enable_stopword = ON;

CREATE TABLE IF NOT EXISTS holds (
    id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    user_id          BIGINT UNSIGNED NOT NULL,
    book_id          BIGINT UNSIGNED NOT NULL,
    status           VARCHAR(10)     NOT NULL,
    -- books.hold_sequence when the hold was accepted: the queue order, never a clock.
    queue_number     BIGINT UNSIGNED NOT NULL,
    placed_at        DATETIME(6)     NOT NULL,
    ready_at         DATETIME(6)     NULL,
    expires_at       DATETIME(6)     NULL,
    -- book_id while the hold is active (waiting or ready), else NULL: one active hold per
    -- user and book (uq_holds_active_book), as uq_loans_active_book does for loans.
    active_book_id   BIGINT UNSIGNED AS (IF(status IN ('waiting', 'ready'), book_id, NULL)) PERSISTENT,
    -- expires_at of ready holds only: the sweeper's index finds the due ones without a scan.
    ready_expires_at DATETIME(6)     AS (IF(status = 'ready', expires_at, NULL)) PERSISTENT,
    PRIMARY KEY (id),
    UNIQUE KEY uq_holds_queue (book_id, queue_number),
    UNIQUE KEY uq_holds_active_book (user_id, active_book_id),
    KEY idx_holds_book_status (book_id, status, queue_number),
    KEY idx_holds_ready_expires (ready_expires_at),
    -- A deleted user's holds go with them (the application cancels the active ones first, so
    -- their copies pass on). A book with holds cannot be deleted: the application refuses
    -- while holds are active and deletes the others first.
    CONSTRAINT fk_holds_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT fk_holds_book FOREIGN KEY (book_id) REFERENCES books (id),
    CONSTRAINT chk_holds_status CHECK (status IN ('waiting', 'ready', 'fulfilled', 'cancelled', 'expired')),
    -- ready_at and expires_at are set together when a copy is set aside, and kept afterwards.
    CONSTRAINT chk_holds_ready_times CHECK ((ready_at IS NULL) = (expires_at IS NULL)
        AND (status <> 'waiting' OR ready_at IS NULL)
        AND (status NOT IN ('ready', 'fulfilled', 'expired') OR ready_at IS NOT NULL)
        AND (expires_at IS NULL OR expires_at > ready_at))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
