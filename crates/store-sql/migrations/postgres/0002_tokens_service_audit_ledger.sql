-- vouch state store, version 2 (PostgreSQL): API tokens (hashes only, with
-- expiry and revocation), the service's own audit trail, and the
-- disclosure ledger's leaves and signed checkpoints.
CREATE TABLE api_tokens (
    seq BIGSERIAL PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
    official TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    issued_by TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT
);
CREATE TABLE service_audit (
    seq BIGSERIAL PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
-- One row per leaf; the primary key makes a second writer's append of an
-- index that exists fail instead of forking the log.
CREATE TABLE ledger_leaves (
    idx BIGINT PRIMARY KEY CHECK (idx >= 0),
    leaf BYTEA NOT NULL
);
CREATE TABLE ledger_checkpoints (
    seq BIGSERIAL PRIMARY KEY,
    note TEXT NOT NULL
);
