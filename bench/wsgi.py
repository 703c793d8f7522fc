"""The app as production builds it, plus one benchmark-only route: ``/_bench/hello``.

``/_bench/hello`` is the floor: the cheapest response this app can give through the
same gunicorn, WSGI stack and Flask hooks (url preprocessors, after_request headers),
with no template, session or database work. Pages are measured against it. Keeping
the route here keeps it out of the production app.

Serve with: ``gunicorn -c deploy/gunicorn.conf.py bench.wsgi:app``.
"""

from app import create_app

app = create_app()


@app.get("/_bench/hello")
def bench_hello():
    """The floor: plain text, nothing else."""
    return app.response_class("hello", mimetype="text/plain")
