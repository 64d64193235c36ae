// Starts a new model version in a slot: retires whatever inactive version held that slot (its vectors
// are about to be overwritten), marks interrupted runs failed, and creates the Model node in status
// 'writing', claimed by $claimant with a lease of $leaseMs milliseconds. $slot and the property names come from
// the fixed slot table in src/model/registry.ts.
OPTIONAL MATCH (stale:Model {status: 'writing'})
WHERE stale.version IN $staleVersions
SET stale.status = 'failed', stale.error = 'interrupted: the writing process (' + coalesce(stale.claimant, 'unknown') + ') stopped; last heartbeat ' + toString(stale.heartbeatAt),
    stale.failedAt = datetime()
WITH count(stale) AS _
OPTIONAL MATCH (prev:Model {slot: $slot})
WHERE prev.active = false
SET prev.status = CASE WHEN prev.status IN ['failed'] THEN prev.status ELSE 'retired' END, prev.slot = null,
    prev.retiredAt = datetime()
WITH count(prev) AS retired
OPTIONAL MATCH (mx:Model)
WITH retired, coalesce(max(mx.seq), 0) + 1 AS seq
CREATE (m:Model {
  version: coalesce($version, 'v' + toString(seq)), seq: seq, status: 'writing', active: false,
  createdAt: datetime(), heartbeatAt: datetime(), trainedAt: datetime($trainedAt),
  claimant: $claimant, leaseUntil: datetime() + duration({milliseconds: $leaseMs}),
  dims: $dims, userNormExponent: $userNormExponent, metrics: $metrics, params: $params,
  slot: $slot, embeddingProperty: $embeddingProperty, foldInProperty: $foldInProperty,
  versionProperty: $versionProperty,
  nodes: $nodes, writtenNodes: 0
})
RETURN m.version AS version, m.seq AS seq, retired
