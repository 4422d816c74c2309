-- vouch state store, version 5: request documents in parts.
--
-- A document (an upload's subjects.csv, a response, a request's checks) may
-- be gigabytes: it is kept as parts of at most a few MiB each, written one
-- by one under a version of its own and made current in one transaction at
-- the end, so a reader sees the old document or the new one, whole. Parts
-- of a version that never became current (a writer that crashed) are
-- unreferenced and never read.
CREATE TABLE request_documents (
    request_id TEXT NOT NULL,
    name TEXT NOT NULL,
    version BIGINT NOT NULL,
    parts BIGINT NOT NULL CHECK (parts >= 0),
    bytes_total BIGINT NOT NULL CHECK (bytes_total >= 0),
    PRIMARY KEY (request_id, name)
);
CREATE TABLE request_document_parts (
    request_id TEXT NOT NULL,
    name TEXT NOT NULL,
    version BIGINT NOT NULL,
    part BIGINT NOT NULL CHECK (part >= 0),
    bytes BYTEA NOT NULL,
    PRIMARY KEY (request_id, name, version, part)
);
-- Every document of version 4 becomes one part of version 0.
INSERT INTO request_document_parts (request_id, name, version, part, bytes)
    SELECT request_id, name, 0, 0, bytes FROM request_blobs;
INSERT INTO request_documents (request_id, name, version, parts, bytes_total)
    SELECT request_id, name, 0, 1, length(bytes) FROM request_blobs;
DROP TABLE request_blobs;
