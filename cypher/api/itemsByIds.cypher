// Items by id (DataLoader batch): id, title and counts, in any order; the loader puts them in key order.
UNWIND $ids AS id
MATCH (i:Item {id: id})
RETURN i.id AS id, i.title AS title,
       COUNT { (i)<-[r:INTERACTED]-() WHERE r.weight > 0 } AS interactionCount,
       COUNT { (i)<-[:INTERACTED]-() } AS degree
