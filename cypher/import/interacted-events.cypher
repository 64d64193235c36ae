// Timestamped interaction events with context ($rows: [{user, item, kind, weight, at: epoch ms, contexts:
// ['timeOfDay:evening', ...]}]; users and items exist already). An event is keyed by (user, item, kind, at):
// MERGE on it, so re-running never duplicates an event.
UNWIND $rows AS row
MATCH (u:User {id: row.user})
MATCH (i:Item {id: row.item})
MERGE (u)-[r:INTERACTED {kind: row.kind, at: datetime({epochMillis: toInteger(row.at)})}]->(i)
SET r.weight = row.weight,
    r.contexts = row.contexts
