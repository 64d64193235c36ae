// Categories of items (DataLoader batch).
UNWIND $ids AS id
MATCH (i:Item {id: id})
RETURN i.id AS id, [(i)-[:IN_CATEGORY]->(c:Category) | c.name] AS categories
