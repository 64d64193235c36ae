// The user's positive interactions grouped per item, with each interaction's weight and time (epoch ms, NaN
// when undated) so that the fold-in can decay them one by one and sum per item (src/serving/foldIn.ts, as
// training extraction weighs them), and the items' fold-in vectors of the served slot and their version.
// Nulls are coalesced because collect() drops them and would misalign the lists.
MATCH (u:User {id: $userId})-[r:INTERACTED]->(i:Item)
WHERE r.weight > 0
WITH i, collect(r.weight) AS weights, collect(coalesce(toFloat(r.at.epochMillis), 0.0 / 0.0)) AS ats
RETURN i.id AS id, weights, ats, i[$foldInProperty] AS foldIn, i[$versionProperty] AS version
