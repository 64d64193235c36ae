// What ranking needs about one user: its embedding (the served slot's property), the items it already interacted with (to exclude them),
// how many positive interactions it has (cold start when 0), the embeddings of the categories and
// contexts the request names (to place a cold-start user in the embedding space), and its negative items:
// up to 50 items it dismissed or disliked, most recent first, not interacted with positively since (the
// re-ranking policy never shows them and pushes their close neighbours down).
OPTIONAL MATCH (u:User {id: $userId})
RETURN u IS NOT NULL AS exists,
       u[$embeddingProperty] AS embedding,
       u[$versionProperty] AS embeddingVersion,
       [(u)-[r:INTERACTED]->(i:Item) | i.id] AS interacted,
       COUNT { (u)-[r:INTERACTED]->() WHERE r.weight > 0 } AS positives,
       [c IN $categories | COLLECT { MATCH (cat:Category {name: c}) WHERE cat[$versionProperty] = $version RETURN cat[$embeddingProperty] }[0]] AS categoryEmbeddings,
       [x IN $contexts | COLLECT { MATCH (ctx:Context {kind: x.kind, value: x.value}) WHERE ctx[$versionProperty] = $version RETURN ctx[$embeddingProperty] }[0]] AS contextEmbeddings,
       COLLECT {
         MATCH (u)-[n:INTERACTED]->(i:Item)
         WHERE n.weight < 0 AND NOT EXISTS { (u)-[p:INTERACTED]->(i) WHERE p.weight > 0 AND p.at > n.at }
         WITH i, max(n.at) AS at
         ORDER BY at DESC
         LIMIT 50
         RETURN i.id
       } AS negatives
