// Model versions still marked as being written, with their claimant (`<host>/<pid>/<id>`) and the end of its
// lease (epoch ms; a version written before leases existed: its last heartbeat plus 30 s).
MATCH (m:Model {status: 'writing'})
RETURN m.version AS version, m.claimant AS claimant,
       coalesce(m.leaseUntil, m.heartbeatAt + duration({seconds: 30})).epochMillis AS leaseUntilMs
