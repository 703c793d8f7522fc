"""Staff decisions: each function changes one thing, writes the audit entry, and tells whom it concerns."""
