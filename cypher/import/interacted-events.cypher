// Timestamped interaction events with context ($rows: [{user, item, kind, weight, rating or null, at: epoch ms,
// contexts: ['timeOfDay:evening', ...]}]; users and items exist already). An event is keyed by
// (user, item, kind, at): MERGE on it, so re-running never duplicates an event. No contexts: no property (as
// neo4j-admin writes an empty list field, so the bulk path gives the same graph).
UNWIND $rows AS row
MATCH (u:User {id: row.user})
MATCH (i:Item {id: row.item})
MERGE (u)-[r:INTERACTED {kind: row.kind, at: datetime({epochMillis: toInteger(row.at)})}]->(i)
SET r.weight = row.weight,
    r.rating = row.rating,
    r.contexts = CASE WHEN size(row.contexts) = 0 THEN null ELSE row.contexts END
