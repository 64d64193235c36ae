// Every item with an embedding of the served version (its slot property, named by the active Model), with
// its title, categories, interaction degree and number of positive interactions: loaded once per model
// version into the in-process item matrix that the exact dot-product scan runs over.
MATCH (i:Item)
WHERE i[$embeddingProperty] IS NOT NULL AND i[$versionProperty] = $version
RETURN i.id AS id, i.title AS title, i[$embeddingProperty] AS embedding,
       [(i)-[:IN_CATEGORY]->(c:Category) | c.name] AS categories,
       COUNT { (i)<-[:INTERACTED]-() } AS degree,
       COUNT { (i)<-[r:INTERACTED]-() WHERE r.weight > 0 } AS positives
