// Creates or updates a user; returns whether it was created.
MERGE (u:User {id: $id})
  ON CREATE SET u.createdAt = datetime(), u._created = true
SET u.name = coalesce($name, u.name)
WITH u, coalesce(u._created, false) AS created
REMOVE u._created
RETURN u.id AS id, u.name AS name, created
