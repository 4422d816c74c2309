-- vouch state store, version 3 (PostgreSQL): the probing guard's history is
-- appended in chunks of fixed-width records (keyed hashes only), one row
-- per chunk: a million-subject batch is a few dozen rows, not a million.
-- Rows of the earlier per-record table are still read, before these.
CREATE TABLE probe_chunks (
    seq BIGSERIAL PRIMARY KEY,
    records BYTEA NOT NULL CHECK (octet_length(records) % 69 = 0)
);
