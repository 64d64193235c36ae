// Ratings of a MovieLens-style CSV ($rows: [{user, item, rating, weight, at: epoch ms or null}]; users and
// Numbers arrive from JavaScript as floats: epoch ms and counts are made integers here.
// items exist already). One rating edge per (user, item): MERGE keyed on kind 'rating', then the values
// are SET, so re-running (or re-importing a corrected file) never duplicates an edge.
UNWIND $rows AS row
MATCH (u:User {id: row.user})
MATCH (i:Item {id: row.item})
MERGE (u)-[r:INTERACTED {kind: 'rating'}]->(i)
SET r.rating = row.rating,
    r.weight = row.weight,
    r.at = CASE WHEN row.at IS NULL THEN null ELSE datetime({epochMillis: toInteger(row.at)}) END
