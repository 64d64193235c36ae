// Records that writing a version failed; it never becomes active (the served version is untouched).
MATCH (m:Model {version: $version})
WHERE m.active = false
SET m.status = 'failed', m.error = $error, m.failedAt = datetime()
