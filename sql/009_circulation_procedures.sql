-- 009: a borrow and a return in one round trip each (issue 9, performance). LoanStore calls
-- these procedures instead of sending the statements one by one (a borrow was eight: START
-- TRANSACTION, the book's lock, the user's count, the read of the rules, the copy, the loan,
-- the month's count, COMMIT; a return two: the loan's read, then its UPDATE): each was a send,
-- a wait and a wake-up in the app and in MariaDB.
--
-- borrow_copy: the same steps as before, in the same row lock order (RowLockOrder: the book's row, then the
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

-- return_loan: the loan is returned, its copy back on the shelf and its user's count one
-- less, when the loan exists, is `owner`'s (NULL: anyone's, for an admin) and is still out.
-- Answers one row: `outcome` is 'returned' or 'holds_waiting' (nothing written: the copy goes
-- to the first waiting hold, which LoanStore does in a transaction of its own), both with the
-- loan's columns as LoanStore reads them; 'not_found' (no such loan, or another user's) or
-- 'already_returned'. Lock order: the loan, its book, its user (RowLockOrder), all three
-- locked by the first read: the UPDATE of the loan takes shared locks on its book and user
-- (the foreign keys' checks, since it changes uq_loans_active_book), which a later exclusive
-- lock would have to upgrade, and such an upgrade deadlocks against a borrow waiting there.
CREATE OR REPLACE PROCEDURE return_loan(
    IN wanted_loan BIGINT UNSIGNED, IN owner BIGINT UNSIGNED, IN returned DATETIME(6))
    MODIFIES SQL DATA
    SQL SECURITY INVOKER
give_back: BEGIN
    DECLARE loan_user, loan_book BIGINT UNSIGNED;
    DECLARE loan_borrowed, loan_due, loan_returned DATETIME(6);
    DECLARE loan_renewals, waiting INT;
    DECLARE book_title, book_author VARCHAR(255);
    DECLARE EXIT HANDLER FOR SQLEXCEPTION
    BEGIN
        ROLLBACK;
        RESIGNAL;
    END;

    START TRANSACTION;
    SELECT l.user_id, l.book_id, l.borrowed_at, l.due_at, l.returned_at, l.renewals, b.title, b.author, b.holds_waiting
        INTO loan_user, loan_book, loan_borrowed, loan_due, loan_returned, loan_renewals, book_title, book_author, waiting
        FROM loans l FORCE INDEX (PRIMARY) STRAIGHT_JOIN books b ON b.id = l.book_id
            STRAIGHT_JOIN users u ON u.id = l.user_id
        WHERE l.id = wanted_loan
        FOR UPDATE;
    IF loan_user IS NULL OR loan_user <> IFNULL(owner, loan_user) THEN
        ROLLBACK;
        SELECT 'not_found' AS outcome;
        LEAVE give_back;
    END IF;
    IF loan_returned IS NOT NULL THEN
        ROLLBACK;
        SELECT 'already_returned' AS outcome;
        LEAVE give_back;
    END IF;
    IF waiting > 0 THEN
        ROLLBACK;
        SELECT 'holds_waiting' AS outcome, wanted_loan AS id, loan_user AS user_id, loan_book AS book_id,
            loan_borrowed AS borrowed_at, loan_due AS due_at, NULL AS returned_at, loan_renewals AS renewals,
            book_title, book_author;
        LEAVE give_back;
    END IF;
    UPDATE loans SET returned_at = returned WHERE id = wanted_loan;
    UPDATE books SET copies_available = copies_available + 1 WHERE id = loan_book;
    UPDATE users SET active_loans = active_loans - (active_loans > 0), updated_at = updated_at WHERE id = loan_user;
    COMMIT;
    SELECT 'returned' AS outcome, wanted_loan AS id, loan_user AS user_id, loan_book AS book_id,
        loan_borrowed AS borrowed_at, loan_due AS due_at, returned AS returned_at, loan_renewals AS renewals,
        book_title, book_author;
END //

DELIMITER ;
