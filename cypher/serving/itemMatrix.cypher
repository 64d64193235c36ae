// Every item with an embedding of the served version (its slot property, named by the active Model), with
// its title, categories and interaction degree: loaded once per model version into the in-process item matrix
// that the exact dot-product scan runs over.
MATCH (i:Item)
WHERE i[$embeddingProperty] IS NOT NULL AND i[$versionProperty] = $version
RETURN i.id AS id, i.title AS title, i[$embeddingProperty] AS embedding,
       [(i)-[:IN_CATEGORY]->(c:Category) | c.name] AS categories,
       COUNT { (i)<-[:INTERACTED]-() } AS degree
