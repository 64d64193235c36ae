// A version whose vectors and index are complete: ready to be activated.
MATCH (m:Model {version: $version, status: 'writing'})
SET m.status = 'ready', m.readyAt = datetime(), m.indexNorm = $indexNorm, m.writtenNodes = $writtenNodes
RETURN m.version AS version
