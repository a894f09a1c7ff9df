-- 009: a borrow in one round trip (issue 9, performance). LoanStore.borrow calls this
-- procedure instead of sending its eight statements one by one (START TRANSACTION, the book's
-- lock, the user's count, the read of the rules, the copy, the loan, the month's count,
-- COMMIT): each of those was a send, a wait and a wake-up in the app and in MariaDB.
--
-- The same steps as before, in the same row lock order (RowLockOrder: the book's row, then the
-- user's, then the loan and the hold rows), and every rule still held by a row the borrow
-- writes (docs/architecture.md). The rules of LoanPolicy.refusal(toBorrowWith:) are checked
-- here in its order, with the limit passed in: the in-memory store and the policy's unit tests
-- keep the Swift form, the e2e and storage tests check this one.
--
-- Answers one row: `outcome` is 'borrowed' (with loan_id, title, author), 'no_such_user',
-- 'no_such_book', 'already_holds_book', 'overdue_loan', 'too_many_loans' or
-- 'no_copy_available'; every outcome but 'borrowed' leaves nothing written. An error (a
-- deadlock, a cluster's certification conflict, a broken constraint) rolls back and reaches
-- the caller as it was raised, so the caller retries the whole CALL as it retried the
-- transaction. SQL SECURITY INVOKER: it runs with the app user's privileges, whoever migrated.

DELIMITER //

CREATE OR REPLACE PROCEDURE borrow_copy(
    IN borrower BIGINT UNSIGNED, IN wanted_book BIGINT UNSIGNED, IN borrowed DATETIME(6),
    IN due DATETIME(6), IN maximum_active_loans INT)
    MODIFIES SQL DATA
    SQL SECURITY INVOKER
borrow: BEGIN
    DECLARE book_title, book_author VARCHAR(255);
    DECLARE other_loans, user_holds BIGINT;
    DECLARE overdue_loans, loans_of_book BIGINT DEFAULT 0;
    DECLARE ready_hold BIGINT UNSIGNED;
    DECLARE took_set_aside BOOLEAN DEFAULT FALSE;
    DECLARE new_loan BIGINT UNSIGNED;
    DECLARE EXIT HANDLER FOR SQLEXCEPTION
    BEGIN
        ROLLBACK;
        RESIGNAL;
    END;

    START TRANSACTION;
    -- Both rows in one read and in the lock order (RowLockOrder: the book's, then the user's);
    -- no row when either is missing: only then is it worth asking which.
    SELECT b.title, b.author, u.active_loans, u.active_holds
        INTO book_title, book_author, other_loans, user_holds
        FROM books b STRAIGHT_JOIN users u ON u.id = borrower
        WHERE b.id = wanted_book
        FOR UPDATE;
    IF other_loans IS NULL THEN
        ROLLBACK;
        IF EXISTS (SELECT 1 FROM users WHERE id = borrower) THEN
            SELECT 'no_such_book' AS outcome;
        ELSE
            SELECT 'no_such_user' AS outcome;
        END IF;
        LEAVE borrow;
    END IF;

    -- The rules that read other rows can only refuse a user whose counts say they hold
    -- something, so most borrows skip these reads (docs/performance.md).
    IF other_loans > 0 OR user_holds > 0 THEN
        SELECT COUNT(*) INTO overdue_loans FROM loans FORCE INDEX (idx_loans_user_returned)
            WHERE user_id = borrower AND returned_at IS NULL AND due_at < borrowed;
        SELECT COUNT(*) INTO loans_of_book FROM loans WHERE user_id = borrower AND active_book_id = wanted_book;
        SELECT id INTO ready_hold FROM holds
            WHERE user_id = borrower AND active_book_id = wanted_book AND status = 'ready';
    END IF;
    IF loans_of_book > 0 THEN
        ROLLBACK;
        SELECT 'already_holds_book' AS outcome;
        LEAVE borrow;
    END IF;
    IF overdue_loans > 0 THEN
        ROLLBACK;
        SELECT 'overdue_loan' AS outcome;
        LEAVE borrow;
    END IF;
    IF other_loans >= maximum_active_loans THEN
        ROLLBACK;
        SELECT 'too_many_loans' AS outcome;
        LEAVE borrow;
    END IF;

    -- The copy set aside for the user's ready hold, unless the hold expired or was cancelled
    -- meanwhile (the database's clock decides): then the copy goes back to the set-aside ones.
    IF ready_hold IS NOT NULL THEN
        UPDATE books SET copies_set_aside = copies_set_aside - 1, loans_total = loans_total + 1
            WHERE id = wanted_book AND copies_set_aside > 0;
        IF ROW_COUNT() = 1 THEN
            UPDATE holds h JOIN users u ON u.id = h.user_id
            SET h.status = 'fulfilled', u.active_holds = u.active_holds - (u.active_holds > 0),
                u.updated_at = u.updated_at
            WHERE h.id = ready_hold AND h.status = 'ready' AND h.expires_at > UTC_TIMESTAMP(6);
            IF ROW_COUNT() > 0 THEN
                SET took_set_aside = TRUE;
            ELSE
                UPDATE books SET copies_set_aside = copies_set_aside + 1, loans_total = loans_total - 1
                    WHERE id = wanted_book;
            END IF;
        END IF;
    END IF;
    -- The one step that takes a copy from the shelf: it succeeds for exactly as many borrowers
    -- as there are free copies. loans_total: the popular report's bound (sql/008).
    IF NOT took_set_aside THEN
        UPDATE books SET copies_available = copies_available - 1, loans_total = loans_total + 1
            WHERE id = wanted_book AND copies_available > 0;
        IF ROW_COUNT() = 0 THEN
            ROLLBACK;
            SELECT 'no_copy_available' AS outcome;
            LEAVE borrow;
        END IF;
    END IF;

    -- updated_at is the user's profile, not their loans: kept as it is
    UPDATE users SET active_loans = active_loans + 1, updated_at = updated_at WHERE id = borrower;
    -- uq_loans_active_book still refuses a second copy, should the checks above ever miss it
    INSERT INTO loans (user_id, book_id, borrowed_at, due_at) VALUES (borrower, wanted_book, borrowed, due);
    SET new_loan = LAST_INSERT_ID();
    -- The popular report's month row (ReportStore; months in UTC, as every session's time zone)
    INSERT INTO book_loan_months (book_id, month, loans) VALUES (wanted_book, DATE_FORMAT(borrowed, '%Y-%m-01'), 1)
        ON DUPLICATE KEY UPDATE loans = loans + 1;
    COMMIT;
    SELECT 'borrowed' AS outcome, new_loan AS loan_id, book_title AS title, book_author AS author;
END //

DELIMITER ;
