// Creates the context nodes that do not exist yet ($rows: [{kind, value}]); idempotent.
UNWIND $rows AS row
MERGE (:Context {kind: row.kind, value: row.value})
