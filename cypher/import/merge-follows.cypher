// FOLLOWS edges between existing users ($rows: [{from, to}]); idempotent.
UNWIND $rows AS row
MATCH (a:User {id: row.from})
MATCH (b:User {id: row.to})
MERGE (a)-[:FOLLOWS]->(b)
