// One page of the users a user follows ($direction 'following') or who follow it ('followers'), by id.
MATCH (u:User {id: $userId})
CALL (u) {
  MATCH (u)-[:FOLLOWS]->(o:User) WHERE $direction = 'following' RETURN o
  UNION
  MATCH (u)<-[:FOLLOWS]-(o:User) WHERE $direction = 'followers' RETURN o
}
RETURN o.id AS id
ORDER BY id
SKIP toInteger($skip)
LIMIT toInteger($limit)
