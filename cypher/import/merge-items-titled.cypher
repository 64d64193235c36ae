// Creates or updates items with their titles ($rows: [{id, title}]; a null title keeps the stored one); idempotent.
UNWIND $rows AS row
MERGE (i:Item {id: row.id})
SET i.title = coalesce(row.title, i.title)
