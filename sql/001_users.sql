-- 001: users and revoked tokens (issue 3).
-- Named keys and constraints, so that DatabaseError.duplicateKey / .checkConstraint tell the
-- caller which field was refused (uq_users_username → "username", uq_users_email → "email").

CREATE TABLE IF NOT EXISTS users (
    id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    -- utf8mb4_unicode_ci: 'Alice' and 'alice' collide on the unique key.
    username      VARCHAR(50)  NOT NULL,
    -- The application stores emails lowercased; the CHECK refuses anything else.
    email         VARCHAR(254) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    first_name    VARCHAR(100) NULL,
    last_name     VARCHAR(100) NULL,
    role          VARCHAR(10)  NOT NULL DEFAULT 'user',
    created_at    DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at    DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    UNIQUE KEY uq_users_username (username),
    UNIQUE KEY uq_users_email (email),
    CONSTRAINT chk_users_username CHECK (CHAR_LENGTH(username) BETWEEN 3 AND 50
        AND username REGEXP '^[A-Za-z0-9_.-]+$'),
    CONSTRAINT chk_users_email CHECK (email LIKE '%_@_%'
        AND CAST(email AS BINARY) = CAST(LOWER(email) AS BINARY)),
    CONSTRAINT chk_users_password_hash CHECK (CHAR_LENGTH(password_hash) > 0),
    CONSTRAINT chk_users_role CHECK (role IN ('user', 'admin'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A logged-out token's jti, refused until expires_at; expired rows can be purged by expires_at.
CREATE TABLE IF NOT EXISTS revoked_tokens (
    jti        VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    user_id    BIGINT UNSIGNED NOT NULL,
    expires_at DATETIME     NOT NULL,
    revoked_at DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (jti),
    KEY idx_revoked_tokens_expires_at (expires_at),
    KEY idx_revoked_tokens_user_id (user_id),
    CONSTRAINT fk_revoked_tokens_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT chk_revoked_tokens_jti CHECK (CHAR_LENGTH(jti) > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
