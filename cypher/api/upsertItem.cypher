// Creates or updates an item and sets its categories to exactly $categories (creating missing Category nodes).
MERGE (i:Item {id: $id})
  ON CREATE SET i.createdAt = datetime(), i._created = true
SET i.title = coalesce($title, i.title)
WITH i, coalesce(i._created, false) AS created
REMOVE i._created
WITH i, created
CALL (i) {
  OPTIONAL MATCH (i)-[old:IN_CATEGORY]->(c:Category)
  WHERE NOT c.name IN $categories
  DELETE old
}
CALL (i) {
  UNWIND $categories AS name
  MERGE (c:Category {name: name})
  MERGE (i)-[:IN_CATEGORY]->(c)
}
RETURN i.id AS id, i.title AS title, created,
       CASE WHEN $version IS NULL THEN null
            ELSE CASE WHEN coalesce(i[$versionProperty], '') <> $version THEN null
                      WHEN i.neighbourEmbeddingVersion = $version THEN 'neighbours' ELSE 'model' END
       END AS embeddingSource
