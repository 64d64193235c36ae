// For candidate items and the request's contexts: each item's share of its activity in each context
// kind that falls on the requested value (POPULAR_IN counts), e.g. 0.6 of its interactions on mobile.
UNWIND $itemIds AS itemId
MATCH (j:Item {id: itemId})
UNWIND $contexts AS x
OPTIONAL MATCH (j)-[p:POPULAR_IN]->(:Context {kind: x.kind, value: x.value})
WITH j, x, coalesce(p.count, 0) AS hit
WITH j, x, hit,
     reduce(t = 0, q IN [(j)-[q2:POPULAR_IN]->(c2:Context) WHERE c2.kind = x.kind | q2.count] | t + q) AS total
RETURN j.id AS id, collect({kind: x.kind, value: x.value, count: hit, share: CASE WHEN total > 0 THEN toFloat(hit) / total ELSE 0.0 END}) AS contexts
