-- 008: what GET /reports/popular needs to stay fast on a long history (issue 12, reports;
-- docs/performance.md, Reports). A COUNT ... GROUP BY over a year of loans (200,000 rows on the
-- 1,000,000-loan history of `library-app seed`) took 200 ms; the report now counts only the few
-- books that can reach its top (ReportStore.popular):
-- * books.loans_total: every loan ever made of the book, counted by the borrow's UPDATE of the
--   book's row (no statement of its own). A bound, never below a book's loans in any window:
--   loans deleted with their user are not taken off it.
-- * book_loan_months: loans per book and calendar month (UTC), kept by the borrow in its
--   transaction and by the deletion of a user's loans: a book's loans in a window of months
--   are a few rows.
-- * idx_loans_borrowed: the loans of the window's first, partial month, read by time for
--   every book at once; and the whole window's when too many books could reach its top for
--   counting them one by one to pay (a short window).
-- The overdue report needs nothing new: idx_loans_returned_due (returned_at, due_at, and the
-- primary key) is its order.
-- Loans made by processes of an older version while this runs are not counted: migrate with
-- the old processes stopped (docs/operations.md).

-- Some of these ALTERs may rebuild the books table, and with it ft_books_title_author: without
-- stopwords, as sql/002 made it.
SET SESSION innodb_ft_enable_stopword = OFF;

ALTER TABLE books ADD COLUMN IF NOT EXISTS loans_total INT UNSIGNED NOT NULL DEFAULT 0 AFTER hold_sequence;

UPDATE books b SET b.loans_total = (SELECT COUNT(*) FROM loans l WHERE l.book_id = b.id), b.updated_at = b.updated_at;

ALTER TABLE books ADD INDEX IF NOT EXISTS idx_books_loans_total (loans_total);

SET SESSION innodb_ft_enable_stopword = ON;

ALTER TABLE loans ADD INDEX IF NOT EXISTS idx_loans_borrowed (borrowed_at, book_id);

CREATE TABLE IF NOT EXISTS book_loan_months (
    book_id BIGINT UNSIGNED NOT NULL,
    -- The first day of the month the loans were made in.
    month   DATE            NOT NULL,
    loans   INT             NOT NULL,
    PRIMARY KEY (book_id, month),
    -- Rows go with their book (its loans go first, BookStore.delete).
    CONSTRAINT fk_book_loan_months_book FOREIGN KEY (book_id) REFERENCES books (id) ON DELETE CASCADE,
    CONSTRAINT chk_book_loan_months_month CHECK (DAYOFMONTH(month) = 1),
    CONSTRAINT chk_book_loan_months_loans CHECK (loans >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO book_loan_months (book_id, month, loans)
SELECT book_id, DATE_FORMAT(borrowed_at, '%Y-%m-01'), COUNT(*) FROM loans GROUP BY book_id, DATE_FORMAT(borrowed_at, '%Y-%m-01')
ON DUPLICATE KEY UPDATE loans = VALUES(loans);
