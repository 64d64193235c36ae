// Creates or updates items with their titles ($rows: [{id, title}]); idempotent.
UNWIND $rows AS row
MERGE (i:Item {id: row.id})
SET i.title = row.title
