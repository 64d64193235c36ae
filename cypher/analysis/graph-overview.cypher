// Graph overview: how many users and items there are, positive and negative INTERACTED edges, held-out
// (evaluation-only) edges, follows, and the average number of positive interactions per user.
MATCH (u:User)
WITH count(u) AS users
MATCH (i:Item)
WITH users, count(i) AS items
CALL () {
  MATCH ()-[r:INTERACTED]->()
  RETURN count(CASE WHEN r.weight > 0 THEN 1 END) AS positive, count(CASE WHEN r.weight <= 0 THEN 1 END) AS negative
}
RETURN users, items, positive AS positiveInteractions, negative AS negativeInteractions,
       COUNT { ()-[:HELD_OUT]->() } AS heldOut, COUNT { ()-[:FOLLOWS]->() } AS follows,
       round(toFloat(positive) / CASE WHEN users = 0 THEN 1 ELSE users END, 1) AS positivePerUser
