// One write-behind flush of the exposure log (src/serving/exposures.ts), in queue order:
// 1. every shown item becomes (:User)-[:SHOWN {impressionId, position, probability, exploration, score,
//    modelVersion, at}]->(:Item) (rows of deleted users or items are skipped);
// 2. the items' exposure counters grow by their number of rows ($items: one row per item, counted in TS);
// 3. every feedback row (a positive interaction) is credited to one uncredited exposure of that item to that
//    user shown at most $windowSeconds before it: the named impression's when impressionId is given, else the
//    latest; the SHOWN edge gets feedbackAt/feedbackKind and the item's feedback counter grows by one.
//    Rows run one by one (CALL per row), so two responses never credit the same exposure.
CALL () {
  UNWIND $shown AS s
  MATCH (u:User {id: s.userId})
  MATCH (i:Item {id: s.itemId})
  CREATE (u)-[:SHOWN {impressionId: s.impressionId, position: s.position, probability: s.probability,
                      exploration: s.exploration, score: s.score, modelVersion: s.modelVersion, at: datetime(s.at)}]->(i)
  RETURN count(*) AS shown
}
CALL () {
  UNWIND $items AS x
  MATCH (i:Item {id: x.id})
  SET i.exposures = coalesce(i.exposures, 0) + x.n
  RETURN count(*) AS items
}
CALL () {
  UNWIND $feedback AS f
  CALL (f) {
    MATCH (u:User {id: f.userId})-[s:SHOWN]->(i:Item {id: f.itemId})
    WHERE s.feedbackAt IS NULL
      AND (f.impressionId IS NULL OR s.impressionId = f.impressionId)
      AND s.at <= datetime(f.at) AND s.at >= datetime(f.at) - duration({seconds: $windowSeconds})
    WITH i, s
    ORDER BY s.at DESC
    LIMIT 1
    SET s.feedbackAt = datetime(f.at), s.feedbackKind = f.kind, i.feedback = coalesce(i.feedback, 0) + 1
    RETURN s
  }
  RETURN count(s) AS credited
}
RETURN shown, items, credited
