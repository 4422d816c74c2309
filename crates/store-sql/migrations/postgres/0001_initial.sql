-- vouch state store, version 1 (PostgreSQL). Ordered tables carry a `seq` so
-- that reads return insertion order, as the file store does.
CREATE TABLE agencies (
    seq BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    ssr_approved TEXT NOT NULL,
    ai_notifications TEXT NOT NULL,
    findings TEXT NOT NULL,
    registered_at TEXT NOT NULL
);
CREATE TABLE officials (
    seq BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    agency TEXT NOT NULL,
    role TEXT NOT NULL,
    public_key TEXT,
    registered_at TEXT NOT NULL
);
CREATE TABLE requests (
    request_id TEXT PRIMARY KEY,
    agency TEXT NOT NULL,
    letter_sha256 TEXT NOT NULL,
    status TEXT NOT NULL,
    subject_count BIGINT NOT NULL,
    request_reasons TEXT NOT NULL,
    holds TEXT NOT NULL,
    approvals_required BIGINT NOT NULL,
    approvals TEXT NOT NULL,
    policy_version TEXT NOT NULL,
    denial TEXT,
    completed_at TEXT,
    disposition_certified TEXT,
    received_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE request_blobs (
    request_id TEXT NOT NULL,
    name TEXT NOT NULL,
    bytes BYTEA NOT NULL,
    PRIMARY KEY (request_id, name)
);
CREATE TABLE audit_events (
    seq BIGSERIAL PRIMARY KEY,
    request_id TEXT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_events_by_request ON audit_events (request_id, seq);
CREATE TABLE probes (
    seq BIGSERIAL PRIMARY KEY,
    person BYTEA NOT NULL CHECK (octet_length(person) = 16),
    address BYTEA NOT NULL CHECK (octet_length(address) = 16),
    agency BYTEA NOT NULL CHECK (octet_length(agency) = 16),
    request BYTEA NOT NULL CHECK (octet_length(request) = 16),
    day INTEGER NOT NULL,
    kind INTEGER NOT NULL CHECK (kind BETWEEN 0 AND 255)
);
CREATE TABLE holds (
    tin_hmac BYTEA PRIMARY KEY CHECK (octet_length(tin_hmac) = 32)
);
CREATE TABLE policy_activations (
    seq BIGSERIAL PRIMARY KEY,
    at TEXT NOT NULL,
    officer TEXT NOT NULL,
    reason TEXT NOT NULL,
    version TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    policy_text TEXT NOT NULL
);
CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    bytes BYTEA NOT NULL CHECK (octet_length(bytes) = 32)
);
