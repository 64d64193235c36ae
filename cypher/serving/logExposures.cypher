// One write-behind flush of the exposure log (src/serving/exposures.ts), in queue order:
// 1. every shown item becomes (:User)-[:SHOWN {impressionId, position, probability, exploration, score,
//    modelVersion, at}]->(:Item) (rows of deleted users or items are skipped); $pages holds one map per page
//    with the per-item values as parallel lists (items[k], probabilities[k], scores[k]), the position of
//    items[k] as first + k and the exploration slots as a list of indexes k;
// 2. the items' exposure counters grow by their number of rows in $pages (counted here: sending per-item counts
//    too cost the event loop the encoding of every id twice);
// 3. every feedback row (a positive interaction) is credited to one uncredited exposure of that item to that
//    user shown at most $windowSeconds before it: the named impression's when impressionId is given, else the
//    latest; the SHOWN edge gets feedbackAt/feedbackKind and the item's feedback counter grows by one.
//    Rows run one by one (CALL per row), so two responses never credit the same exposure.
CALL () {
  UNWIND $pages AS p
  MATCH (u:User {id: p.userId})
  WITH u, p, datetime(p.at) AS at
  UNWIND range(0, size(p.items) - 1) AS k
  MATCH (i:Item {id: p.items[k]})
  CREATE (u)-[:SHOWN {impressionId: p.impressionId, position: p.first + k, probability: p.probabilities[k],
                      exploration: k IN p.explored, score: p.scores[k], modelVersion: p.modelVersion, at: at}]->(i)
  RETURN count(*) AS shown
}
CALL () {
  UNWIND $pages AS p
  UNWIND p.items AS itemId
  WITH itemId, count(*) AS n
  MATCH (i:Item {id: itemId})
  SET i.exposures = coalesce(i.exposures, 0) + n
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
