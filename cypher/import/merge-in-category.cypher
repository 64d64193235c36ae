// Links items to their categories ($rows: [{item, category}]; both nodes exist already); idempotent.
UNWIND $rows AS row
MATCH (i:Item {id: row.item})
MATCH (c:Category {name: row.category})
MERGE (i)-[:IN_CATEGORY]->(c)
