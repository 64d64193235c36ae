// Records progress of a version being written (and that its writer is alive).
MATCH (m:Model {version: $version})
SET m.heartbeatAt = datetime(), m.writtenNodes = $writtenNodes
