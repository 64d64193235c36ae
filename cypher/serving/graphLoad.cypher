// The positive user -> item adjacency for the in-process graph index: per user its distinct items
// with the summed weight of their positive interactions (as training extraction weighs them), most
// recent first (the order the fan-out cap keeps).
MATCH (u:User)
RETURN u.id AS id,
       COLLECT {
         MATCH (u)-[r:INTERACTED]->(i:Item)
         WHERE r.weight > 0
         WITH i, sum(r.weight) AS w, max(r.at) AS last
         ORDER BY last DESC
         RETURN [i.id, w]
       } AS items
