// All FOLLOWS edges between users, one row per follower with the followed user ids.
MATCH (u:User)
WHERE u.id IS NOT NULL
CALL (u) {
  MATCH (u)-[:FOLLOWS]->(v:User)
  RETURN collect(v.id) AS followed
}
WITH u, followed
WHERE size(followed) > 0
RETURN u.id AS user, followed
