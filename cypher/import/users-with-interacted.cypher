// Which of the users $ids already have an INTERACTED edge: the import CREATEs the edges of the others
// (they cannot have any of them yet) and MERGEs those of these.
UNWIND $ids AS id
MATCH (u:User {id: id})
WHERE EXISTS { (u)-[:INTERACTED]->() }
RETURN collect(id) AS ids
