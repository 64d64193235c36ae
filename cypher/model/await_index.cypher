// Waits until an index is online (fails after $timeoutSeconds).
CALL db.awaitIndex($name, $timeoutSeconds)
