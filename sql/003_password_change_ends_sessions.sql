-- 003: a new password ends every session of the user (issue 3, security by default).
-- Tokens carry the session version they were issued under (claim `sv`); a password change
-- increments it in the same UPDATE, so every earlier token, and any login that read the old
-- password before the change committed, is refused. A counter, not a time: no clock or
-- same-second races.

ALTER TABLE users ADD COLUMN IF NOT EXISTS session_version INT UNSIGNED NOT NULL DEFAULT 0 AFTER password_hash;
