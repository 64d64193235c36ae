// The served model version with everything a reader needs to find its vectors (slot properties, index).
MATCH (m:Model {active: true})
RETURN m {.*} AS model
ORDER BY m.activatedAt DESC
