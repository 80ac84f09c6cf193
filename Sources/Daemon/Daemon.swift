// Daemon: capture loops, replay engine, HTTP control API (see README).
