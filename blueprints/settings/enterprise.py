"""Enterprise certification: apply, see the state, and the private licence image."""
