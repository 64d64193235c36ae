// Element ids of items by their ids ($ids), read once per import so that relationship batches can find
// items by a direct store lookup instead of an index seek each (the batches check that all were found).
UNWIND $ids AS id
MATCH (i:Item {id: id})
RETURN id, elementId(i) AS elementId
