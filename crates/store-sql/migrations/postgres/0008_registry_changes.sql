-- vouch state store, version 8 (PostgreSQL): changes to the registry
-- (officials and their keys, the active policy, the hold list) wait here for
-- a second administrator's confirmation; the whole record, proposal and
-- confirmation with both signatures, is one JSON document whose SHA-256 the
-- ledger logs once the change takes effect.
CREATE TABLE registry_changes (
    seq BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    record TEXT NOT NULL
);
