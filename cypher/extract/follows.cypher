// All FOLLOWS edges between users, one row per follower with the followed user ids.
MATCH (u:User)-[:FOLLOWS]->(v:User)
WHERE u.id IS NOT NULL AND v.id IS NOT NULL
RETURN u.id AS user, collect(v.id) AS followed
