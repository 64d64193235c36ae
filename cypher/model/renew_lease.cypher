// Renews the write claim of a version being written by $claimant for another $leaseMs milliseconds (nothing when
// the version is no longer writing or another claimant has taken it over).
MATCH (m:Model {version: $version, status: 'writing', claimant: $claimant})
SET m.leaseUntil = datetime() + duration({milliseconds: $leaseMs}), m.heartbeatAt = datetime()
