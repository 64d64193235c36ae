// Every model version, newest first.
MATCH (m:Model)
RETURN m {.*} AS model
ORDER BY m.seq DESC
