// How many users the graph has (npm start loads the demo graph when it has none); read from the count store.
MATCH (u:User) RETURN count(u) AS users
