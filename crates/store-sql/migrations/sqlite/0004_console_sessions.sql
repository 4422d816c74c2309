-- vouch state store, version 4: console sessions, shared by every node.
-- The key is the SHA-256 of the cookie's value (never the value); times are
-- RFC 3339 in UTC with whole seconds, so they compare as text.
CREATE TABLE console_sessions (
    session_key TEXT PRIMARY KEY CHECK (length(session_key) = 64),
    official TEXT NOT NULL,
    token_sha256 TEXT NOT NULL,
    csrf TEXT NOT NULL,
    started_at TEXT NOT NULL,
    seen_at TEXT NOT NULL
);
CREATE INDEX console_sessions_by_start ON console_sessions (started_at);
