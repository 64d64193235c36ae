// Co-interaction counts ("people who liked this also liked"): the toInteger($limit) items that the most users showed
// positive interest in together with item $itemId. This is the graph-neighbourhood evidence that the
// recommender's explanations cite.
// (Numeric parameters are made integers, since JavaScript sends floats.) Example: :param itemId => 'i1'; :param limit => 10
MATCH (i:Item {id: $itemId})<-[r1:INTERACTED]-(u:User)-[r2:INTERACTED]->(j:Item)
WHERE j <> i AND r1.weight > 0 AND r2.weight > 0
RETURN j.id AS item, j.title AS title, count(DISTINCT u) AS sharedUsers
ORDER BY sharedUsers DESC, item
LIMIT toInteger($limit)
