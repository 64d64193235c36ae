// Users by id (DataLoader batch) with their neighbourhood sizes.
UNWIND $ids AS id
MATCH (u:User {id: id})
RETURN u.id AS id, u.name AS name,
       COUNT { (u)-[:INTERACTED]->() } AS interactionCount,
       COUNT { (u)-[:FOLLOWS]->() } AS followingCount,
       COUNT { (u)<-[:FOLLOWS]-() } AS followerCount,
       [(u)-[a:ACTIVE_IN]->(c:Context) | {kind: c.kind, value: c.value, count: a.count}] AS activeIn
