-- 003: a new password ends every session of the user (issue 3, security by default).
-- Tokens issued before tokens_valid_after are refused; NULL means no password change yet.

ALTER TABLE users ADD COLUMN IF NOT EXISTS tokens_valid_after DATETIME NULL AFTER password_hash;
