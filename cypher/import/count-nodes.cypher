// How many nodes and relationships the database holds (count store, O(1)): the bulk path refuses a
// database that is not empty and checks its counts after neo4j-admin's import.
CALL () { MATCH (n) RETURN count(n) AS nodes }
CALL () { MATCH ()-[r]->() RETURN count(r) AS relationships }
RETURN nodes, relationships
