-- vouch state store, version 9: security keys (WebAuthn) for the console's
-- second factor and for signing decisions, the one-time codes officials
-- enrol them with (SHA-256 only), the state of a ceremony in progress, and
-- whether a console session completed its second factor. Times are RFC
-- 3339 text in UTC, so they compare as text.
ALTER TABLE console_sessions ADD COLUMN second_factor_at TEXT;
CREATE TABLE enrolment_codes (
    sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
    official TEXT NOT NULL,
    issued_by TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE TABLE security_keys (
    credential_id TEXT PRIMARY KEY,
    official TEXT NOT NULL,
    credential TEXT NOT NULL,
    rp_id TEXT NOT NULL,
    origin TEXT NOT NULL,
    sign_count BIGINT NOT NULL CHECK (sign_count >= 0 AND sign_count <= 4294967295),
    enrolled_at TEXT NOT NULL
);
CREATE INDEX security_keys_by_official ON security_keys (official, enrolled_at);
CREATE TABLE webauthn_ceremonies (
    session_key TEXT NOT NULL CHECK (length(session_key) = 64),
    purpose TEXT NOT NULL,
    state TEXT NOT NULL,
    started_at TEXT NOT NULL,
    PRIMARY KEY (session_key, purpose)
);
CREATE INDEX webauthn_ceremonies_by_start ON webauthn_ceremonies (started_at);
