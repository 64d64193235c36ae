// Held-out evaluation interactions with their kind, weight, rating and time ($rows: [{user, item, kind, weight,
// rating or null, at: epoch ms or null}]; users and items exist already). One HELD_OUT edge per (user, item):
// MERGE on the pair, then SET, so re-running never duplicates. Never read by training or serving.
UNWIND $rows AS row
MATCH (u:User {id: row.user})
MATCH (i:Item {id: row.item})
MERGE (u)-[r:HELD_OUT]->(i)
SET r.kind = row.kind,
    r.weight = row.weight,
    r.rating = row.rating,
    r.at = CASE WHEN row.at IS NULL THEN null ELSE datetime({epochMillis: toInteger(row.at)}) END
