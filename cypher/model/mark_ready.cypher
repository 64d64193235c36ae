// A version whose vectors are complete: ready to be activated.
MATCH (m:Model {version: $version, status: 'writing'})
SET m.status = 'ready', m.readyAt = datetime(), m.writtenNodes = $writtenNodes
RETURN m.version AS version
