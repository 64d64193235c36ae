// Records progress of a version being written (and that its writer is alive): adds the batch's node
// count, so concurrent batch transactions add up (the Model node's write lock serialises them).
MATCH (m:Model {version: $version})
SET m.heartbeatAt = datetime(), m.writtenNodes = coalesce(m.writtenNodes, 0) + $batchNodes
