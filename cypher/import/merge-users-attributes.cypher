// Creates or updates users with their attributes ($rows: [{id, props: {name: value}}]; the property names
// were validated by the import, never taken from Cypher text); SET += leaves other properties alone. Idempotent.
UNWIND $rows AS row
MERGE (u:User {id: row.id})
SET u += row.props
