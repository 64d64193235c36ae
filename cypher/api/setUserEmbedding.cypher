// Stores a folded-in user embedding in the served slot under the served model version.
MATCH (u:User {id: $userId})
SET u[$embeddingProperty] = $embedding, u[$versionProperty] = $version
