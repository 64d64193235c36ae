// Which of the users $ids already have a HELD_OUT edge: the import CREATEs the edges of the others
// (they cannot have any of them yet) and MERGEs those of these.
UNWIND $ids AS id
MATCH (u:User {id: id})
WHERE EXISTS { (u)-[:HELD_OUT]->() }
RETURN collect(id) AS ids
