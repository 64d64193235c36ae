// What the re-ranking policy has shown (the exposure log, (:User)-[:SHOWN]->(:Item), written by the API):
// the toInteger($limit) most-shown items with how often they were shown, how often in an exploration slot,
// their mean position, how often a positive interaction followed (feedback), the response rate, the
// posterior mean (feedback + 1) / (shown + 2) that Thompson sampling draws around, and the inverse-propensity
// weighted response rate (each exposure weighted by 1 / the probability the policy logged for it), the
// estimate that corrects for what the policy chose to show.
// Example: :param limit => 20
MATCH (:User)-[s:SHOWN]->(i:Item)
WITH i, count(s) AS shown,
     sum(CASE WHEN s.exploration THEN 1 ELSE 0 END) AS explored,
     avg(s.position) AS meanPosition,
     count(s.feedbackAt) AS feedback,
     sum(1.0 / s.probability) AS ipsShown,
     sum(CASE WHEN s.feedbackAt IS NOT NULL THEN 1.0 / s.probability ELSE 0.0 END) AS ipsFeedback
RETURN i.id AS item, i.title AS title, shown, explored, round(meanPosition, 2) AS meanPosition, feedback,
       round(toFloat(feedback) / shown, 4) AS responseRate,
       round((feedback + 1.0) / (shown + 2.0), 4) AS posteriorMean,
       round(ipsFeedback / ipsShown, 4) AS ipsResponseRate
ORDER BY shown DESC, item
LIMIT toInteger($limit)
