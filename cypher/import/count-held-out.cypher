// How many HELD_OUT edges the graph has (from the count store, O(1)): when none, a bulk import can
// CREATE every edge without per-batch checks, since it writes each (user, item) pair exactly once.
MATCH ()-[r:HELD_OUT]->()
RETURN count(r) AS n
