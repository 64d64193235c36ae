// Exposure and feedback counters of every item shown at least once (Item.exposures / Item.feedback, kept by
// serving/logExposures): loaded into process memory when the served model changes, for the re-ranking
// policy's least-shown slots and Thompson sampling.
MATCH (i:Item)
WHERE i.exposures > 0
RETURN i.id AS id, i.exposures AS exposures, coalesce(i.feedback, 0) AS feedback
