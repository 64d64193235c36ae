// Marks versions whose write claim no longer holds (lease run out, or a dead claimant) as failed: the run
// writing them was interrupted. The served version is untouched (they were never active).
MATCH (m:Model {status: 'writing'})
WHERE m.version IN $versions AND m.active = false
SET m.status = 'failed', m.error = 'interrupted: the writing process (' + coalesce(m.claimant, 'unknown') + ') stopped; last heartbeat ' + toString(m.heartbeatAt),
    m.failedAt = datetime()
