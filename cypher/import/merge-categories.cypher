// Creates the categories that do not exist yet ($names: list of category names); idempotent.
UNWIND $names AS name
MERGE (:Category {name: name})
