-- vouch state store, version 10 (PostgreSQL): the probing guard's history
-- with the guard's identity (issue 14): each record is one ask, keyed
-- hashes of the subject's identity codes, date of birth, A-number, address,
-- agency and request, and the day of receipt, 260 bytes wide, appended in
-- chunks. The version-3 chunks are still read (their A-number records only).
CREATE TABLE probe_log (
    seq BIGSERIAL PRIMARY KEY,
    records BYTEA NOT NULL CHECK (octet_length(records) % 260 = 0)
);
