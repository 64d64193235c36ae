// The exposure log since $since (ISO 8601) for off-policy evaluation (src/eval/shownLog.ts), one row per item
// shown, at most $limit rows, pages kept together (ordered by time, page, position); `clicked` is true when
// feedback was credited to the exposure.
MATCH (u:User)-[s:SHOWN]->(i:Item)
WHERE s.at >= datetime($since)
RETURN u.id AS userId, i.id AS itemId, s.impressionId AS impressionId, s.position AS position, s.probability AS pscore,
       s.exploration AS exploration, s.modelVersion AS modelVersion, toString(s.at) AS at, s.feedbackAt IS NOT NULL AS clicked
ORDER BY s.at, s.impressionId, s.position
LIMIT $limit
