"""Policy pages, history, acceptance and the cookie notice."""
