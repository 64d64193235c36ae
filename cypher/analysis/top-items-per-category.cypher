// Top items per category: for every category, its toInteger($limit) items with the most distinct users who showed
// positive interest (INTERACTED with weight > 0; dismissals do not count), with their summed weight.
// (Numeric parameters are made integers, since JavaScript sends floats.) Example: :param limit => 5
MATCH (c:Category)<-[:IN_CATEGORY]-(i:Item)
OPTIONAL MATCH (u:User)-[r:INTERACTED]->(i)
WHERE r.weight > 0
WITH c, i, count(DISTINCT u) AS users, sum(r.weight) AS weight
ORDER BY c.name, users DESC, weight DESC, i.id
WITH c, collect({item: i.id, title: i.title, users: users, weight: weight})[..toInteger($limit)] AS top
RETURN c.name AS category, top
ORDER BY category
