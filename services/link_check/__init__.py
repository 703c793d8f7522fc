"""Link health: ``flask check-links`` probes every tool URL safely; staff decide dead and changed links.

guard (what may be contacted) → transport (sockets only to checked addresses) → probe (one URL) →
runner (the concurrent run) → store (rows and the queue) → decisions (what staff do with a row).
"""
