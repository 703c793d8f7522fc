"""The one error the benchmarks raise: something they need could not be done."""


class BenchError(Exception):
    """Something the benchmark needs could not be done; the message says what."""
