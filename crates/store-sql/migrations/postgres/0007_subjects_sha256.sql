-- vouch state store, version 7: each request keeps the SHA-256 of its
-- subjects file, which every signed approval names (records of earlier
-- versions have none: their unsigned approvals count for nothing).
ALTER TABLE requests ADD COLUMN subjects_sha256 TEXT NOT NULL DEFAULT '';
