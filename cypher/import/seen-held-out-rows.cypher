// Which rows of a LightGCN batch ($rows: [{user, items: [item elementId]}]) have a user that already has a
// HELD_OUT edge to one of the row's items (by row index). The import CREATEs the other rows' edges (none
// of them can exist, so CREATE cannot duplicate) and MERGEs these rows' edges.
UNWIND range(0, size($rows) - 1) AS k
WITH k, $rows[k] AS row
MATCH (u:User {id: row.user})
WHERE EXISTS { MATCH (u)-[:HELD_OUT]->(i:Item) WHERE elementId(i) IN row.items }
RETURN collect(k) AS rows
