// Creates the items of an import that do not exist yet ($ids: list of item id strings); idempotent.
UNWIND $ids AS id
MERGE (:Item {id: id})
