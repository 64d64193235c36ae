// Whether the graph has any users yet (npm start loads the demo graph when it has none).
MATCH (u:User) WITH u LIMIT 1 RETURN count(u) AS users
