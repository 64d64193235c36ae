// Writes one interaction unless its idempotency key was seen for this user (then returns the stored one).
// Setting a property on the user first takes its write lock, so concurrent retries of one key serialise
// and the second sees the first's edge. Positive interactions count towards ACTIVE_IN / POPULAR_IN.
MATCH (u:User {id: $userId})
MATCH (i:Item {id: $itemId})
SET u.lastInteractionAt = datetime()
WITH u, i
OPTIONAL MATCH (u)-[prev:INTERACTED {idempotencyKey: $idempotencyKey}]->(:Item)
WITH u, i, head(collect(prev)) AS prev
CALL (u, i, prev) {
  WITH u, i, prev
  WHERE prev IS NULL
  CREATE (u)-[r:INTERACTED {kind: $kind, weight: $weight, at: datetime($at), contexts: $contextKeys}]->(i)
  SET r.idempotencyKey = $idempotencyKey
  FOREACH (c IN CASE WHEN $weight > 0 THEN $contexts ELSE [] END |
    MERGE (ctx:Context {kind: c.kind, value: c.value})
    MERGE (u)-[a:ACTIVE_IN]->(ctx)
      ON CREATE SET a.count = 0
    SET a.count = a.count + 1
    MERGE (i)-[p:POPULAR_IN]->(ctx)
      ON CREATE SET p.count = 0
    SET p.count = p.count + 1)
  RETURN r, false AS replayed
  UNION
  WITH prev
  WHERE prev IS NOT NULL
  RETURN prev AS r, true AS replayed
}
RETURN endNode(r).id AS itemId, r.kind AS kind, r.weight AS weight, toString(r.at) AS at,
       coalesce(r.contexts, []) AS contexts, replayed
