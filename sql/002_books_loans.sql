-- 002: books and loans (issue 4).
-- The loan invariants live here, so that they hold whatever the code does and however many
-- app processes run: copies stay within 0..copies_total (CHECK), a user holds at most one
-- active loan of a book (unique key on a generated column), and a book or user with active
-- loans cannot be deleted (foreign keys without cascade).

-- Stopwords off for the FULLTEXT index made below (the setting is read when an index is
-- created): with the default list, "+the*" in a boolean search matches nothing at all, so a
-- search for "The Hobbit" would find nothing. Words under innodb_ft_min_token_size (3) are
-- still not indexed; the application matches those with a pattern instead.
SET SESSION innodb_ft_enable_stopword = OFF;

CREATE TABLE IF NOT EXISTS books (
    id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    -- utf8mb4_unicode_ci: author and genre filters compare case- and accent-insensitively.
    title            VARCHAR(255)  NOT NULL,
    author           VARCHAR(255)  NOT NULL,
    -- Always 13 digits (an ISBN-10 is stored converted), so both forms hit the unique key.
    isbn             CHAR(13) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    published_year   SMALLINT      NULL,
    genre            VARCHAR(100)  NULL,
    description      TEXT          NULL,
    -- Signed: a decrement below zero must reach the CHECK, not an unsigned range error.
    copies_total     INT           NOT NULL DEFAULT 1,
    copies_available INT           NOT NULL DEFAULT 1,
    created_at       DATETIME(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at       DATETIME(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    UNIQUE KEY uq_books_isbn (isbn),
    -- Sorts and filters: each with id as the tie-break (InnoDB appends the primary key).
    -- No index on copies_available: most books are available, so it would not narrow the
    -- `available` filter, and it gave the optimiser a range scan for the borrow's UPDATE
    -- by id, whose next-key locks deadlocked parallel borrows.
    KEY idx_books_title (title),
    KEY idx_books_published_year (published_year),
    KEY idx_books_author (author),
    KEY idx_books_genre (genre),
    -- The `q` search: every word of it must be in the title or the author.
    FULLTEXT KEY ft_books_title_author (title, author),
    CONSTRAINT chk_books_copies_total CHECK (copies_total BETWEEN 0 AND 10000),
    CONSTRAINT chk_books_copies_available CHECK (copies_available BETWEEN 0 AND copies_total),
    CONSTRAINT chk_books_isbn CHECK (isbn REGEXP '^97[89][0-9]{10}$'),
    CONSTRAINT chk_books_title CHECK (CHAR_LENGTH(title) BETWEEN 1 AND 255),
    CONSTRAINT chk_books_author CHECK (CHAR_LENGTH(author) BETWEEN 1 AND 255),
    CONSTRAINT chk_books_description CHECK (description IS NULL OR CHAR_LENGTH(description) <= 5000)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

SET SESSION innodb_ft_enable_stopword = ON;

CREATE TABLE IF NOT EXISTS loans (
    id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    user_id        BIGINT UNSIGNED NOT NULL,
    book_id        BIGINT UNSIGNED NOT NULL,
    borrowed_at    DATETIME(6)     NOT NULL,
    due_at         DATETIME(6)     NOT NULL,
    returned_at    DATETIME(6)     NULL,
    renewals       INT             NOT NULL DEFAULT 0,
    -- book_id while the loan is active, NULL once returned (NULLs never collide in a unique
    -- key): with uq_loans_active_book a user cannot hold two copies of one book at a time.
    active_book_id BIGINT UNSIGNED AS (IF(returned_at IS NULL, book_id, NULL)) PERSISTENT,
    PRIMARY KEY (id),
    UNIQUE KEY uq_loans_active_book (user_id, active_book_id),
    KEY idx_loans_user_returned (user_id, returned_at, due_at),
    KEY idx_loans_book_returned (book_id, returned_at),
    KEY idx_loans_returned_due (returned_at, due_at),
    -- No cascade: a user or book with loan rows cannot be deleted. The application deletes
    -- the returned loans first (history goes with the user or the book), so only active
    -- loans block, and they always do, even against a racing borrow.
    CONSTRAINT fk_loans_user FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT fk_loans_book FOREIGN KEY (book_id) REFERENCES books (id),
    CONSTRAINT chk_loans_due CHECK (due_at > borrowed_at),
    CONSTRAINT chk_loans_returned CHECK (returned_at IS NULL OR returned_at >= borrowed_at),
    CONSTRAINT chk_loans_renewals CHECK (renewals >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
