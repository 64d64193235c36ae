// Context popularity: for every context value (e.g. timeOfDay/evening, device/mobile), the categories that
// are over-represented in it, from the aggregated POPULAR_IN counts. lift = the category's share within the
// context / its share within all values of that context kind; lift > 1 means "popular on mobile in the
// evening" is real and not just overall popularity. Categories with fewer than $minCount interactions are skipped.
// (Numeric parameters are made integers, since JavaScript sends floats.) Example: :param limit => 3; :param minCount => 20
MATCH (c:Context)<-[p:POPULAR_IN]-(:Item)-[:IN_CATEGORY]->(cat:Category)
WITH c.kind AS kind, c.value AS value, cat.name AS category, sum(p.count) AS n
WITH kind, collect({value: value, category: category, n: n}) AS rows
WITH kind, rows, reduce(t = 0, x IN rows | t + x.n) AS kindTotal
UNWIND rows AS r
WITH kind, kindTotal, r,
     reduce(t = 0, x IN rows | t + CASE WHEN x.value = r.value THEN x.n ELSE 0 END) AS valueTotal,
     reduce(t = 0, x IN rows | t + CASE WHEN x.category = r.category THEN x.n ELSE 0 END) AS categoryTotal
WHERE r.n >= $minCount
WITH kind, r.value AS value, r.category AS category, r.n AS n,
     (toFloat(r.n) / valueTotal) / (toFloat(categoryTotal) / kindTotal) AS lift
ORDER BY kind, value, lift DESC
RETURN kind, value, collect({category: category, interactions: n, lift: round(lift, 2)})[..toInteger($limit)] AS overRepresented
ORDER BY kind, value
