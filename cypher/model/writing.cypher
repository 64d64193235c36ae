// Model versions still marked as being written, with the time of their last heartbeat (epoch ms):
// a recent heartbeat means another run is writing; an old one means an interrupted run.
MATCH (m:Model {status: 'writing'})
RETURN m.version AS version, m.heartbeatAt.epochMillis AS heartbeatMs
