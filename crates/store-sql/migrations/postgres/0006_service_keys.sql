-- vouch state store, version 6: the service's keys live outside the store.
--
-- The store keeps only each key's public id (for a signing key, its public
-- key) so that a key file swapped for another is detected, and retired
-- signing keys' public halves so that what they signed still verifies. The
-- secrets of earlier versions stay in `secrets` until `vouch keys init`
-- carries them over to key files and deletes them here.
CREATE TABLE service_keys (
    name TEXT NOT NULL,
    key_id TEXT NOT NULL,
    public_key TEXT,
    created_at TEXT NOT NULL,
    retired_at TEXT,
    PRIMARY KEY (name, key_id)
);
