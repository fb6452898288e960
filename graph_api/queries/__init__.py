"""The read side: root fields (lists, search, paths, neighbourhoods, counts, briefings), their
filters and cursors, and the data access they share."""
