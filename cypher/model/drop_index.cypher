// Drops a slot's item vector index (only ever the slot being written, never the served one).
DROP INDEX $name IF EXISTS
