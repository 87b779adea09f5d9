"""Generation backends behind one protocol, and the runner that writes clips."""
