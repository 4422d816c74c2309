-- vouch state store, version 1 (SQLite). Ordered tables carry a `seq` so
-- that reads return insertion order, as the file store does.
CREATE TABLE agencies (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    ssr_approved TEXT NOT NULL,
    ai_notifications TEXT NOT NULL,
    findings TEXT NOT NULL,
    registered_at TEXT NOT NULL
);
CREATE TABLE officials (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
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
    subject_count INTEGER NOT NULL,
    request_reasons TEXT NOT NULL,
    holds TEXT NOT NULL,
    approvals_required INTEGER NOT NULL,
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
    bytes BLOB NOT NULL,
    PRIMARY KEY (request_id, name)
);
CREATE TABLE audit_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id TEXT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_events_by_request ON audit_events (request_id, seq);
CREATE TABLE probes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    person BLOB NOT NULL CHECK (length(person) = 16),
    address BLOB NOT NULL CHECK (length(address) = 16),
    agency BLOB NOT NULL CHECK (length(agency) = 16),
    request BLOB NOT NULL CHECK (length(request) = 16),
    day INTEGER NOT NULL,
    kind INTEGER NOT NULL CHECK (kind BETWEEN 0 AND 255)
);
CREATE TABLE holds (
    tin_hmac BLOB PRIMARY KEY CHECK (length(tin_hmac) = 32)
);
CREATE TABLE policy_activations (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    officer TEXT NOT NULL,
    reason TEXT NOT NULL,
    version TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    policy_text TEXT NOT NULL
);
CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    bytes BLOB NOT NULL CHECK (length(bytes) = 32)
);
