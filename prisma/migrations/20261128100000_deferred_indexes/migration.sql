-- Secondary indexes the sync engine dropped for a database's first backfill, with their definitions, until it
-- builds them again at the backfill's end (indexer/sync/indexes.ts). Empty otherwise.
CREATE TABLE "deferred_indexes" (
    "name" TEXT NOT NULL,
    "tableName" TEXT NOT NULL,
    "definition" TEXT NOT NULL,

    CONSTRAINT "deferred_indexes_pkey" PRIMARY KEY ("name")
);
