"""Search benchmark: service time per query class and the htmx fragment under wrk, on SQLite and PostgreSQL.

``make bench-search`` runs this. For each database it builds a fresh catalog
(``flask db upgrade``, ``flask seed``, then the judged queries' relevance figures on
the real catalog, then ``flask seed --synthetic N``; PostgreSQL in
its own throwaway database created with a UTF-8 ctype, then VACUUM ANALYZE as after
any bulk load), measures ``services.search.search_tools`` in-process for each
query class (p50/p95/p99 over every run), then serves ``bench.wsgi:app`` with
``deploy/gunicorn.conf.py`` (2 workers) and runs wrk against the results fragment
(cycling through every query, as htmx asks while typing) and the floor
(``/_bench/hello``). It prints the targets and whether they are met; it never
asserts. The exit status is non-zero only when something could not run.

Environment: BENCH_SEARCH_TOOLS (default 100000 synthetic tools), BENCH_SEARCH_RUNS
(default 20 per query), BENCH_SECONDS (default 10 per wrk run), BENCH_PG_ADMIN_URL
(default postgresql+psycopg://postgres@127.0.0.1:5432/postgres), BENCH_DATABASES
(default "sqlite postgresql").
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import urllib.parse
from contextlib import ExitStack
from pathlib import Path

import catalog  # beside this file: the benchmark's databases
import run  # beside this file: the gunicorn and wrk helpers of `make bench`

ROOT = Path(__file__).resolve().parent.parent
JUDGEMENTS = ROOT / "tests" / "data" / "search_judgements.yaml"
sys.path.insert(0, str(ROOT))

QUERY_CLASSES = {
    "1-2 chars": ["卖", "助手", "云", "物流", "仓", "ai", "选品", "发票"],
    "3+ chars Chinese": ["关键词", "海外仓", "选品助手", "跨境电商", "亚马逊广告"],
    "English word": ["scout", "jungle", "helium", "shopify", "keyword"],
    "multi-word": ["amazon 关键词", "关键词 amazon", "seller 数据", "ads 广告", "tiktok 达人"],
    "no match": ["qwxzv", "不存在的词", "zzzz yyyy", "xq 无"],
    "very common term": ["数据", "seller", "data", "跨境"],
    "pinyin": ["xuanpin", "wuliu", "maijia", "xuanp", "haiwaicang"],
    "initials": ["mjjl", "hwc", "xpgj", "gjc"],
    "typo": ["jungel scout", "hellium", "shopfy", "sellr", "insigth"],
    "spaceless": ["junglescout", "helium10", "shiphub", "keywordresearch", "sellerdata"],
    "unspaced compound": ["tiktok选品", "亚马逊广告工具", "跨境物流服务", "shopify评价", "海外仓物流"],
    "synonym-expanded": ["3pl", "抠图", "收款", "货代", "ppc"],
}
TARGET_P99_MS = 20.0
TARGET_SHARE = 0.10
PER_PAGE = 30


def percentile(samples: list[float], fraction: float) -> float:
    """The nearest-rank percentile of ``samples``."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def relevance(url: str) -> str:
    """The judged set's figures on the real catalog (before the synthetic tools, which no judgement knows)."""
    from app import create_app
    from extensions import db
    from services.search import search_tools
    from services.search.params import SearchQuery
    from services.search.relevance import CUTOFF, load_judgements, measure

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": {}})
    with app.test_request_context("/search"):
        def search(q: str) -> list[str]:
            return [t.slug for t in search_tools(q, SearchQuery(q=q), "zh", CUTOFF).pagination.items]

        table = measure(load_judgements(JUDGEMENTS), search).table()
        db.session.remove()
        db.engine.dispose()
    return table


def build(env: dict[str, str], synthetic: int) -> tuple[int, float, str]:
    """Migrate and seed; returns the tool count, the seconds the synthetic seeding took and the judged figures."""
    run.run_flask(env, "db", "upgrade")
    run.run_flask(env, "seed")
    judged = relevance(env["DATABASE_URL"])
    started = time.monotonic()
    run.run_flask(env, "seed", "--synthetic", str(synthetic))
    seconds = time.monotonic() - started
    from sqlalchemy import create_engine, text

    engine = create_engine(env["DATABASE_URL"], isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        tools = connection.execute(text("SELECT count(*) FROM tool")).scalar_one()
        if engine.dialect.name == "postgresql":
            connection.execute(text("VACUUM ANALYZE"))  # fresh statistics after a bulk load
        else:
            connection.execute(text("ANALYZE"))
    engine.dispose()
    return tools, seconds, judged


def service_times(url: str, runs: int) -> dict[str, list[float]]:
    """Milliseconds per search_tools call for every query of every class, in this process."""
    from app import create_app
    from extensions import db
    from services.search import search_tools
    from services.search.params import SearchQuery

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": {}})
    samples: dict[str, list[float]] = {}
    with app.test_request_context("/search"):
        for name, queries in QUERY_CLASSES.items():
            samples[name] = []
            for q in queries:
                query = SearchQuery(q=q)
                for attempt in range(runs + 3):
                    started = time.perf_counter()
                    search_tools(q, query, "zh", PER_PAGE)
                    elapsed = (time.perf_counter() - started) * 1000
                    db.session.rollback()  # a request ends its transaction; so does each run
                    if attempt >= 3:  # the first runs warm caches
                        samples[name].append(elapsed)
        db.session.remove()
        db.engine.dispose()
    return samples


def fragment_script(workdir: Path) -> Path:
    """A wrk script that cycles through every query as the htmx results fragment."""
    paths = [f"/search?{urllib.parse.urlencode({'q': q})}" for qs in QUERY_CLASSES.values() for q in qs]
    body = "local paths = {" + ", ".join(f'"{p}"' for p in paths) + "}\n" + (
        "local i = 0\n"
        "request = function()\n"
        "  i = i + 1\n"
        '  return wrk.format("GET", paths[(i % #paths) + 1], {["HX-Request"] = "true", ["HX-Target"] = "tool-list"})\n'
        "end\n"
    )
    script = workdir / "fragment.lua"
    script.write_text(body)
    return script


def throughput(wrk: str, env: dict[str, str], workdir: Path, seconds: int) -> tuple[run.Result, run.Result]:
    """The floor and the fragment through gunicorn with the production config."""
    port, log = run.free_port(), workdir / "gunicorn.log"
    server = run.start_gunicorn(env, port, log)
    try:
        base = f"http://{run.HOST}:{port}"
        run.wait_until_up(server, base, log)
        run.warm(base, "/search?q=seller")
        # Anonymous fragments are cached by query (see blueprints/search/views.py): this is the
        # steady state of many visitors typing; the service-time table above is uncached.
        floor = run.measure(wrk, base, run.FLOOR, seconds, "-")
        fragment = run.measure(wrk, base, "/", seconds, "-", "search fragment (htmx)", "-s",
                               str(fragment_script(workdir)))
    finally:
        run.stop_gunicorn(server)
    return floor, fragment


def report(database: str, tools: int, seed_seconds: float, samples: dict, floor, fragment) -> bool:
    """Print one database's table; returns whether every target was met."""
    print(f"\n== {database}: {tools} tools (synthetic seeding incl. search sync: {seed_seconds:.0f} s)")
    print(f"{'query class':<18} {'runs':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  p99 <= {TARGET_P99_MS:.0f} ms")
    met = True
    for name, values in samples.items():
        p99 = percentile(values, 0.99)
        met &= p99 <= TARGET_P99_MS
        print(f"{name:<18} {len(values):>5} {statistics.median(values):>8.2f} {percentile(values, 0.95):>8.2f}"
              f" {p99:>8.2f}  {'yes' if p99 <= TARGET_P99_MS else 'NO'}")
    share = fragment.requests_per_second / floor.requests_per_second if floor.requests_per_second else 0.0
    met &= share >= TARGET_SHARE and not fragment.problems
    print(f"{'floor /_bench/hello':<28} {floor.requests_per_second:>9.1f} req/s  p99 {floor.p99_ms:.2f} ms")
    print(f"{'search fragment (htmx)':<28} {fragment.requests_per_second:>9.1f} req/s  p99 {fragment.p99_ms:.2f} ms"
          f"  = {share:.1%} of floor (target >= {TARGET_SHARE:.0%})")
    for result in (floor, fragment):
        if result.problems:
            print(f"  ! {result.path}: {result.problems}")
    return met


def bench_database(database: str, wrk: str, workdir: Path, synthetic: int, runs: int, seconds: int) -> bool:
    env = run.bench_env(workdir)
    with ExitStack() as cleanup:
        if database == "postgresql":
            name = f"sellernav_bench_search_{os.getpid()}"
            env["DATABASE_URL"] = cleanup.enter_context(catalog.fresh_pg_database(name))
        tools, seed_seconds, judged = build(env, synthetic)
        print(f"\n== {database}: the judged queries (tests/data/search_judgements.yaml) on the real catalog\n{judged}",
              flush=True)
        samples = service_times(env["DATABASE_URL"], runs)
        floor, fragment = throughput(wrk, env, workdir, seconds)
    return report(database, tools, seed_seconds, samples, floor, fragment)


def main() -> int:
    """Run the benchmark for each database in a temporary directory that is always removed."""
    try:
        wrk = run.require_tools()
        synthetic = int(os.environ.get("BENCH_SEARCH_TOOLS", "100000"))
        runs = int(os.environ.get("BENCH_SEARCH_RUNS", "20"))
        seconds = int(os.environ.get("BENCH_SECONDS", "10"))
        databases = os.environ.get("BENCH_DATABASES", "sqlite postgresql").split()
        print(f"machine: nproc={os.cpu_count()}; gunicorn {run.WORKERS} workers; wrk -t{run.THREADS}"
              f" -c{run.CONNECTIONS} -d{seconds}s; {runs} runs per query after 3 warm-up runs", flush=True)
        results = {}
        for database in databases:
            with tempfile.TemporaryDirectory(prefix="sellernav-bench-search-") as workdir:
                results[database] = bench_database(database, wrk, Path(workdir), synthetic, runs, seconds)
        print(f"\ntarget: p99 <= {TARGET_P99_MS:.0f} ms for every query class on both databases, and the"
              f" fragment >= {TARGET_SHARE:.0%} of the floor: "
              + ", ".join(f"{db} {'MET' if ok else 'NOT MET'}" for db, ok in results.items()))
    except run.BenchError as error:
        print(f"bench-search: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
