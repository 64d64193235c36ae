// The user's positive interactions summed per item (as training extraction weighs them) with the items'
// fold-in vectors of the served slot and their version.
MATCH (u:User {id: $userId})-[r:INTERACTED]->(i:Item)
WHERE r.weight > 0
WITH i, sum(r.weight) AS weight
RETURN i.id AS id, weight, i[$foldInProperty] AS foldIn, i[$versionProperty] AS version
