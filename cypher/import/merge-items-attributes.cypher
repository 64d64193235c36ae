// Creates or updates items with their titles and attributes ($rows: [{id, title, props: {name: value}}]; a
// null title keeps the stored one; property names validated by the import). Idempotent.
UNWIND $rows AS row
MERGE (i:Item {id: row.id})
SET i.title = coalesce(row.title, i.title), i += row.props
