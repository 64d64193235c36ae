// The atomic switch: in this one transaction the given complete version becomes the only active one.
// Only 'ready' versions, or an 'inactive' one whose slot still holds its vectors (rollback), qualify.
MATCH (m:Model {version: $version})
WHERE m.status IN ['ready', 'inactive', 'active'] AND m.slot IS NOT NULL
OPTIONAL MATCH (old:Model {active: true})
WHERE old <> m
WITH m, collect(old) AS olds
FOREACH (o IN olds | SET o.active = false, o.status = 'inactive', o.deactivatedAt = datetime())
SET m.active = true, m.status = 'active', m.activatedAt = datetime()
RETURN m.version AS version, [o IN olds | o.version] AS previous
