// Deletes up to $limit SHOWN edges (exposures) older than $before (ISO time): the exposure log's retention.
// The items' exposure/feedback counters are lifetime totals and stay.
MATCH ()-[s:SHOWN]->()
WHERE s.at < datetime($before)
WITH s LIMIT toInteger($limit)
DELETE s
RETURN count(*) AS deleted
