// Creates the users of an import that do not exist yet ($ids: list of user id strings); idempotent.
UNWIND $ids AS id
MERGE (:User {id: id})
