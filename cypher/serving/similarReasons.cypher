// Evidence that items are similar to one item, for a whole page in one statement: how many people
// interacted with both, and a category they share.
MATCH (i:Item {id: $itemId})
UNWIND $itemIds AS itemId
MATCH (j:Item {id: itemId})
RETURN j.id AS id, j.title AS title,
       COUNT { (i)<-[r1:INTERACTED]-(v:User)-[r2:INTERACTED]->(j) WHERE r1.weight > 0 AND r2.weight > 0 } AS people,
       [(i)-[:IN_CATEGORY]->(c:Category)<-[:IN_CATEGORY]-(j) | c.name][0] AS category
