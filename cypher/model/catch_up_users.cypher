// Folds interactions recorded since $since (after the extraction this version was trained on) into the
// users' embeddings in the version's slot, by the serving rule of src/serving/foldIn.ts:
// d_u^-e * sum_i w_ui * foldIn_i with d_u the user's summed positive weight. With the version's half-life
// ($halfLifeMs, null for none) each interaction counts w * 0.5^(age / halfLife), its age measured from $nowMs
// (undated or future ones count whole), summed per item: src/graph/decay.ts interactionDecay; then each pair
// counts 0.5^(r / $recencyHalfLife), r the user's pairs with a later latest time (recencyFactors), mirrored here
// so that the catch-up stays one statement (test/integration/decay.int.test.ts checks both agree). Run in the
// activation transaction, so that a switch loses no feedback that arrived while the version was being trained.
MATCH (u:User)-[r:INTERACTED]->(:Item)
WHERE r.at >= datetime($since)
WITH DISTINCT u
CALL (u) {
  MATCH (u)-[r:INTERACTED]->(i:Item)
  WHERE r.weight > 0
  WITH i, sum(r.weight * CASE WHEN $halfLifeMs IS NULL OR r.at IS NULL OR r.at.epochMillis >= $nowMs THEN 1.0
                              ELSE 0.5 ^ (toFloat($nowMs - r.at.epochMillis) / $halfLifeMs) END) AS w,
         max(r.at.epochMillis) AS latest
  WITH collect({i: i, w: w, latest: latest}) AS pairs
  UNWIND pairs AS p
  WITH p.i AS i, p.w * CASE WHEN $recencyHalfLife IS NULL OR p.latest IS NULL THEN 1.0
                         ELSE 0.5 ^ (toFloat(size([q IN pairs WHERE q.latest > p.latest])) / $recencyHalfLife) END AS w
  RETURN sum(w) AS degree,
         collect(CASE WHEN i[$versionProperty] = $version AND size(i[$foldInProperty]) = $dims THEN [w, i[$foldInProperty]] END) AS rows
}
WITH u, degree, rows
WHERE size(rows) > 0 AND degree > 0
WITH u, degree ^ (-1.0 * $userNormExponent) AS norm, rows
SET u[$embeddingProperty] = [k IN range(0, $dims - 1) | norm * reduce(s = 0.0, row IN rows | s + row[0] * row[1][k])],
    u[$versionProperty] = $version
RETURN count(u) AS caughtUp
