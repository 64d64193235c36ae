// Deletes every node and relationship in batches (auto-commit). Used ONLY by bench/import.bench.ts, which
// says so in its log before it runs; no import ever deletes data.
MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
