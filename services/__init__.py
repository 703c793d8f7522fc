"""Logic that is not about HTTP: plain arguments in, plain values out."""
