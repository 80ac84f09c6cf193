// Dataplane: compiled pipeline (see README).
