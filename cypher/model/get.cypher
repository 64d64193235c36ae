// One model version by its version string.
MATCH (m:Model {version: $version})
RETURN m {.*} AS model
