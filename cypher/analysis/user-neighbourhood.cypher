// A user's neighbourhood in the graph: how many items they showed interest in (and a sample), whom they
// follow, the contexts they are most active in, and the users who share the most items with them.
// (Numeric parameters are made integers, since JavaScript sends floats.) Example: :param userId => 'u1'; :param limit => 10
MATCH (u:User {id: $userId})
CALL (u) {
  OPTIONAL MATCH (u)-[r:INTERACTED]->(i:Item)
  WHERE r.weight > 0
  RETURN count(DISTINCT i) AS itemCount, collect(DISTINCT coalesce(i.title, i.id))[..toInteger($limit)] AS items
}
CALL (u) {
  OPTIONAL MATCH (u)-[:FOLLOWS]->(f:User)
  RETURN collect(f.id)[..toInteger($limit)] AS follows
}
CALL (u) {
  OPTIONAL MATCH (u)-[a:ACTIVE_IN]->(c:Context)
  WITH c, a ORDER BY a.count DESC
  RETURN collect(c.kind + '/' + c.value + ': ' + toString(a.count))[..toInteger($limit)] AS contexts
}
CALL (u) {
  OPTIONAL MATCH (u)-[r1:INTERACTED]->(i:Item)<-[r2:INTERACTED]-(v:User)
  WHERE v <> u AND r1.weight > 0 AND r2.weight > 0
  WITH v, count(DISTINCT i) AS shared
  ORDER BY shared DESC, v.id
  RETURN collect(CASE WHEN v IS NULL THEN null ELSE {user: v.id, sharedItems: shared} END)[..toInteger($limit)] AS similarUsers
}
RETURN u.id AS user, itemCount, items, follows, contexts, similarUsers
