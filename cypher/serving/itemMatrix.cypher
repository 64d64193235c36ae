// Every item with an embedding of the served version (its slot properties, named by the active Model): its item
// factors and fold-in vector, title, categories and interaction count; loaded once per model version into the
// in-process model state (src/serving/modelState.ts).
MATCH (i:Item)
WHERE i[$embeddingProperty] IS NOT NULL AND i[$versionProperty] = $version
RETURN i.id AS id, i.title AS title, i[$embeddingProperty] AS embedding, i[$foldInProperty] AS foldIn,
       [(i)-[:IN_CATEGORY]->(c:Category) | c.name] AS categories,
       COUNT { (i)<-[:INTERACTED]-() } AS degree
