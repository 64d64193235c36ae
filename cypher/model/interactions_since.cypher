// Positive interactions recorded at or after $since (ISO 8601): what the training schedule counts
// (TRAIN_AFTER_INTERACTIONS); the interacted_at index serves the range.
MATCH ()-[r:INTERACTED]->()
WHERE r.at >= datetime($since) AND r.weight > 0
RETURN count(r) AS interactions
