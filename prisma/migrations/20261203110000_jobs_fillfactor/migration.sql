-- A job's row is written when it is created and updated as it is bid on, assigned, proven, settled and closed,
-- mostly in later batches. With full pages every update put the new row version on another page and a new entry in
-- the primary key; with room left on each page PostgreSQL keeps it on the same page (a HOT update, no index entry)
-- whenever no indexed column changes — during a first backfill, whose secondary indexes are deferred, nearly all.
ALTER TABLE "jobs" SET (fillfactor = 80);
