#!/usr/bin/env python
"""Page timings and query counts at two sizes of data: `make bench`, or `.venv/bin/python scripts/bench.py`.

Builds two throw-away databases with `seed_demo --scale 1` and `seed_demo --scale N` (SQLite in a
temporary directory by default, or PostgreSQL with --database-url; N=100 gives about 500 activities,
ten years of cycles and 100 000 updates), then, for each database in its own process (Django
configured against it, DEBUG off), requests every main page as the secretariat demo user (My
activities as Viet Nam's focal point) through Django's test client: two warm-up requests, one
request under a query counter, then --repeat timed requests whose median is reported. For
comparison on the same rows it also times the admin's activity changelist (as the superuser) and a
hand-written SQL query returning the first page of the activity list.

Then, on the large database, the cycle progress report for the whole roadmap (the open cycle) in
every format, each in a fresh process: seconds (gathering and rendering) and peak memory (the
process's peak resident set, and its growth over the process before the report).

Prints a table and writes a JSON list of {"name", "queries_small", "queries_large", "median_ms"}
(median_ms at the large size) to --output (bench.json in the repository root by default). A page
whose query count grows with the data (an N+1) is flagged with a WARNING line.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

DEFAULT_SETTINGS = "config.settings.dev"
WARM_UP = 2
SIZES = ("small", "large")
BENCH_ALLOWED_HOSTS = "testserver,127.0.0.1,localhost"


def log(message):
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Orchestration: build the databases, measure each in a child process, report.
# --------------------------------------------------------------------------------------------


def is_postgres(url):
    return urlsplit(url).scheme in ("postgres", "postgresql", "pgsql", "postgis")


def postgres_url_for(url, dbname):
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{dbname}", parts.query, parts.fragment))


def postgres_admin(url, statements):
    """Run statements (CREATE/DROP DATABASE) on the server's maintenance database."""
    import psycopg

    with psycopg.connect(postgres_url_for(url, "postgres"), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def child_env(database_url):
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    env["DATABASE_URL"] = database_url
    env["DEBUG"] = "False"
    hosts = [h for h in env.get("ALLOWED_HOSTS", "").split(",") if h]
    env["ALLOWED_HOSTS"] = ",".join(dict.fromkeys([*hosts, *BENCH_ALLOWED_HOSTS.split(",")]))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_step(argv, env, what):
    started = time.perf_counter()
    result = subprocess.run(argv, cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        log(f"\n{what} failed (exit {result.returncode}):\n{result.stdout}\n{result.stderr}")
        sys.exit(2)
    return elapsed


def build(database_url, scale):
    """migrate + seed_demo --scale N --force; returns (migrate seconds, seed seconds)."""
    env = child_env(database_url)
    manage = [sys.executable, str(REPO_ROOT / "manage.py")]
    migrate_s = run_step([*manage, "migrate", "--no-input"], env, "migrate")
    seed_s = run_step(
        [*manage, "seed_demo", "--scale", str(scale), "--force"], env, f"seed_demo --scale {scale}"
    )
    return migrate_s, seed_s


def measure_in_child(database_url, repeat, result_path):
    argv = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        "--database-url",
        database_url,
        "--repeat",
        str(repeat),
        "--result",
        str(result_path),
    ]
    result = subprocess.run(argv, cwd=REPO_ROOT, env=child_env(database_url))
    if result.returncode != 0:
        log(f"measuring {database_url} failed (exit {result.returncode})")
        sys.exit(2)
    return json.loads(Path(result_path).read_text())


def print_report(args, builds, results):
    small, large = results["small"], results["large"]
    q_small = f"q@{args.scale_small}"
    q_large = f"q@{args.scale_large}"
    ms_small = f"ms@{args.scale_small}"
    ms_large = f"ms@{args.scale_large}"
    print()
    print(f"Database: {results['large']['vendor']}; median of {args.repeat} requests after {WARM_UP} warm-up")
    for size, scale in (("small", args.scale_small), ("large", args.scale_large)):
        migrate_s, seed_s = builds[size]
        counts = results[size]["counts"]
        print(
            f"  scale {scale:>4}: built in {migrate_s + seed_s:6.1f} s "
            f"(migrate {migrate_s:.1f} s, seed_demo {seed_s:.1f} s); "
            f"{counts['activities']} activities, {counts['milestones']} milestones, "
            f"{counts['cycles']} cycles, {counts['due_updates']} due updates, "
            f"{counts['updates']} updates"
        )
    for size in SIZES:
        for name, value in results[size]["picked"].items():
            print(f"  {size}: {name} = {value}")
    print()
    width = max(len(page["name"]) for page in large["pages"]) + 2
    header = f"{'page':<{width}}{q_small:>8}{q_large:>9}{ms_small:>10}{ms_large:>11}"
    print(header)
    print("-" * len(header))
    rows = []
    by_name_small = {page["name"]: page for page in small["pages"]}
    for page in large["pages"]:
        before = by_name_small[page["name"]]
        rows.append(
            {
                "name": page["name"],
                "queries_small": before["queries"],
                "queries_large": page["queries"],
                "median_ms": round(page["median_ms"], 2),
            }
        )
        print(
            f"{page['name']:<{width}}{before['queries']:>8}{page['queries']:>9}"
            f"{before['median_ms']:>10.2f}{page['median_ms']:>11.2f}"
        )
    print()
    grew = [row for row in rows if row["queries_large"] > row["queries_small"]]
    for row in grew:
        print(
            f"WARNING: {row['name']}: queries grow with the data "
            f"({row['queries_small']} at scale {args.scale_small} -> {row['queries_large']} at scale "
            f"{args.scale_large}): an N+1 somewhere on this page"
        )
    if not grew:
        print("No page's query count grows with the data.")
    failed = [
        (size, page["name"], page["status"])
        for size in SIZES
        for page in results[size]["pages"]
        if page["status"] != 200
    ]
    for size, name, status in failed:
        print(f"ERROR: {name} answered {status} on the {size} database")
    return rows, failed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale-large", type=int, default=100, help="seed_demo scale of the large database")
    parser.add_argument("--repeat", type=int, default=15, help="timed requests per page (median)")
    parser.add_argument("--output", default=str(REPO_ROOT / "bench.json"), help="JSON results file")
    parser.add_argument("--keep", action="store_true", help="keep the databases and print where")
    parser.add_argument(
        "--database-url",
        help="a postgres:// URL of a server on which to create roadmap_bench_small/_large "
        "(default: SQLite files in a temporary directory)",
    )
    parser.add_argument("--no-reports", action="store_true", help="skip the cycle report timings")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--report-worker", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.scale_small = 1
    if args.repeat < 1 or args.scale_large < 1:
        parser.error("--repeat and --scale-large must be at least 1")

    if args.worker:
        return worker(args.database_url, args.repeat, args.result)
    if args.report_worker:
        return report_worker(args.database_url, args.report_worker, args.result)

    postgres = bool(args.database_url)
    if postgres and not is_postgres(args.database_url):
        parser.error("--database-url must be a postgres:// URL (SQLite is the default)")
    workdir = Path(tempfile.mkdtemp(prefix="roadmap-bench-"))
    urls = {}
    for size in SIZES:
        if postgres:
            urls[size] = postgres_url_for(args.database_url, f"roadmap_bench_{size}")
        else:
            urls[size] = f"sqlite:///{workdir / f'bench_{size}.sqlite3'}"

    builds, results, created = {}, {}, []
    finished = False
    try:
        for size, scale in (("small", args.scale_small), ("large", args.scale_large)):
            if postgres:
                name = f"roadmap_bench_{size}"
                postgres_admin(
                    args.database_url,
                    [f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'],
                )
            created.append(size)
            log(f"building scale {scale} ({size}) ...")
            builds[size] = build(urls[size], scale)
            log(f"  built in {sum(builds[size]):.1f} s; measuring ...")
            results[size] = measure_in_child(urls[size], args.repeat, workdir / f"result_{size}.json")
        if not args.no_reports:
            log("measuring the cycle report in every format (large database) ...")
            results["reports"] = measure_reports(urls["large"], workdir)
        finished = True
    finally:
        if args.keep:
            if not finished:
                log("kept: " + ", ".join(urls[size] for size in created))
        else:
            if postgres and created:
                try:
                    postgres_admin(
                        args.database_url,
                        [f'DROP DATABASE IF EXISTS "roadmap_bench_{size}" WITH (FORCE)' for size in created],
                    )
                except Exception as error:  # noqa: BLE001 - cleaning up must not hide the results
                    log(f"could not drop the benchmark databases: {error}")
            shutil.rmtree(workdir, ignore_errors=True)

    rows, failed = print_report(args, builds, results)
    if "reports" in results:
        rows.extend(print_reports(args, results["reports"]))
    output = Path(args.output)
    output.write_text(json.dumps(rows, indent=2) + "\n")
    print(f"\nWrote {output}")
    if args.keep:
        for size in SIZES:
            print(f"Kept the {size} database: {urls[size]}")
    return 1 if failed else 0


# --------------------------------------------------------------------------------------------
# Worker: Django configured against one database; time the pages.
# --------------------------------------------------------------------------------------------


def worker(database_url, repeat, result_path):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    os.environ["DATABASE_URL"] = database_url
    os.environ["DEBUG"] = "False"
    import logging
    import warnings

    import django

    # Whitenoise warns when collectstatic has not run; the benchmark serves no static files.
    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")
    # One line per forced login from django-axes would drown the progress lines.
    logging.getLogger("axes").setLevel(logging.WARNING)
    django.setup()

    from django.conf import settings
    from django.db import connection

    if "testserver" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.urls import reverse

    from roadmap.models import Activity, Body, Milestone
    from tracker.models import DueUpdate, ProgressUpdate, ReportingCycle

    User = get_user_model()
    secretariat = User.objects.get(username="secretariat")
    admin = User.objects.get(username="admin")

    # The activity with the most milestones (ties in list order), so its detail page has work to do.
    activity = (
        Activity.objects.annotate(n_milestones=Count("milestones"))
        .filter(n_milestones__gt=0)
        .order_by("-n_milestones", "recommendation__number", "sequence", "code")
        .first()
    ) or Activity.objects.order_by("recommendation__number", "sequence", "code").first()
    body = (
        Body.objects.filter(acronym="ACCSQ").first()
        or Body.objects.filter(acronym="COSTI").first()
        or Body.objects.order_by("acronym").first()
    )
    focal_vn = User.objects.get(username="focal.vn")
    # The open cycle (its matrix is the one the secretariat chases with), and in it the Vietnamese
    # update with the longest trail, so the update page has work to do.
    cycle = ReportingCycle.objects.open().order_by("deadline").first()
    update = (
        ProgressUpdate.objects.filter(cycle=cycle, member_state__iso2="VN").order_by("-version", "pk").first()
    )
    activities_url = reverse("roadmap:activity_list")
    pages = [
        ("dashboard", secretariat, reverse("roadmap:dashboard")),
        ("dashboard_focal_vn", focal_vn, reverse("roadmap:dashboard")),
        ("timeline", secretariat, reverse("roadmap:timeline")),
        ("recommendation_list", secretariat, reverse("roadmap:recommendation_list")),
        ("recommendation_detail", secretariat, reverse("roadmap:recommendation_detail", args=[2])),
        ("activity_list", secretariat, activities_url),
        ("activity_list_filtered", secretariat, f"{activities_url}?status=ongoing&member_state=VN"),
        ("activity_list_csv", secretariat, f"{activities_url}?export=csv"),
        ("activity_list_xlsx", secretariat, f"{activities_url}?export=xlsx"),
        ("activity_detail", secretariat, reverse("roadmap:activity_detail", args=[activity.code])),
        ("milestone_list", secretariat, reverse("roadmap:milestone_list")),
        ("milestone_list_overdue", secretariat, reverse("roadmap:milestone_list") + "?state=overdue"),
        ("member_state_list", secretariat, reverse("roadmap:member_state_list")),
        ("member_state_detail", secretariat, reverse("roadmap:member_state_detail", args=["VN"])),
        ("body_list", secretariat, reverse("roadmap:body_list")),
        ("body_detail", secretariat, reverse("roadmap:body_detail", args=[body.acronym])),
        ("activity_update", secretariat, reverse("roadmap:activity_update", args=[activity.code])),
        ("activity_list_admin", admin, reverse("admin:roadmap_activity_changelist")),
        # The record (seed_demo's cycles and updates).
        ("my_activities", focal_vn, reverse("tracker:my_activities")),
        ("review_queue", secretariat, reverse("tracker:review_queue")),
        ("cycle_detail_matrix", secretariat, reverse("tracker:cycle_detail", args=[cycle.slug])),
        ("update_detail", secretariat, reverse("tracker:update_detail", args=[update.pk])),
        ("update_list", secretariat, reverse("tracker:update_list")),
    ]

    results = []
    for name, user, url in pages:
        log(f"  {name:<24} {url}")
        results.append(measure_page(name, user, url, repeat))
    results.append(measure_raw_sql(connection, repeat))

    payload = {
        "vendor": connection.vendor,
        "counts": {
            "activities": Activity.objects.count(),
            "milestones": Milestone.objects.count(),
            "cycles": ReportingCycle.objects.count(),
            "due_updates": DueUpdate.objects.count(),
            "updates": ProgressUpdate.objects.count(),
        },
        "picked": {
            "activity_detail/activity_update": f"{activity.code} ({activity.milestones.count()} milestones)",
            "body_detail": body.acronym,
            "cycle_detail_matrix": f"{cycle.slug} ({cycle.due_updates.count()} due updates)",
            "update_detail": f"#{update.pk} ({update.transitions.count()} transitions)",
        },
        "pages": results,
    }
    Path(result_path).write_text(json.dumps(payload))
    return 0


def fetch(client, url):
    """One request, with the whole body read (streamed exports included); returns the status."""
    response = client.get(url)
    if response.streaming:
        b"".join(response.streaming_content)
    else:
        response.content  # noqa: B018 - read it, as a browser would
    response.close()
    return response.status_code


def measure_page(name, user, url, repeat):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    try:
        for _ in range(WARM_UP):
            fetch(client, url)
        with CaptureQueriesContext(connection) as captured:
            status = fetch(client, url)
        # Read now: captured_queries slices connection.queries, which the next request resets.
        queries = len(captured.captured_queries)
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            fetch(client, url)
            timings.append((time.perf_counter() - started) * 1000)
    except Exception as error:  # noqa: BLE001 - report the page as broken, go on with the others
        log(f"    {name} raised {error!r}")
        return {"name": name, "status": f"error: {error!r}", "queries": -1, "median_ms": -1.0}
    if status != 200:
        log(f"    {name} answered {status}")
    return {
        "name": name,
        "status": status,
        "queries": queries,
        "median_ms": statistics.median(timings),
    }


def raw_sql_statements(connection):
    """The activity list's first page (and its count) as one hand-written query each."""
    from roadmap.models import Activity, Body, MemberState, Recommendation

    quote = connection.ops.quote_name

    def aggregate(field_name, target_model, column):
        field = Activity._meta.get_field(field_name)
        through = quote(field.remote_field.through._meta.db_table)
        target = quote(target_model._meta.db_table)
        value = f"t.{quote(column)}"
        if connection.vendor == "postgresql":
            agg = f"string_agg({value}, ' ' ORDER BY {value})"
        else:
            agg = f"GROUP_CONCAT({value}, ' ')"
        return (
            f"(SELECT {agg} FROM {through} m JOIN {target} t ON t.id = m.{quote(field.m2m_reverse_name())} "
            f"WHERE m.{quote(field.m2m_column_name())} = a.id)"
        )

    activity = quote(Activity._meta.db_table)
    recommendation = quote(Recommendation._meta.db_table)
    page = (
        "SELECT a.code, a.title, r.number, "
        f"{aggregate('lead_member_states', MemberState, 'iso2')} AS lead_member_states, "
        f"{aggregate('lead_bodies', Body, 'acronym')} AS lead_bodies, "
        "a.planned_end, a.status, a.flag, a.percent_complete "
        f"FROM {activity} a LEFT JOIN {recommendation} r ON r.id = a.recommendation_id "
        "ORDER BY r.number, a.sequence, a.code LIMIT 25"
    )
    count = f"SELECT COUNT(*) FROM {activity}"
    return page, count


def raw_sql_once(connection, page_sql, count_sql):
    with connection.cursor() as cursor:
        cursor.execute(page_sql)
        rows = cursor.fetchall()
        cursor.execute(count_sql)
        (total,) = cursor.fetchone()
    return rows, total


def measure_raw_sql(connection, repeat):
    from django.test.utils import CaptureQueriesContext

    name = "activity_list_raw_sql"
    log(f"  {name}")
    page_sql, count_sql = raw_sql_statements(connection)
    for _ in range(WARM_UP):
        rows, _total = raw_sql_once(connection, page_sql, count_sql)
    with CaptureQueriesContext(connection) as captured:
        raw_sql_once(connection, page_sql, count_sql)
    queries = len(captured.captured_queries)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        raw_sql_once(connection, page_sql, count_sql)
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "name": name,
        "status": 200 if rows else "no rows",
        "queries": queries,
        "median_ms": statistics.median(timings),
    }


# --------------------------------------------------------------------------------------------
# The cycle progress report: one fresh process per format, so each peak is its own.
# --------------------------------------------------------------------------------------------

REPORT_FORMATS = ("html", "pdf", "xlsx", "csv", "docx")


def measure_reports(database_url, workdir):
    results = []
    for fmt in REPORT_FORMATS:
        result_path = workdir / f"report_{fmt}.json"
        argv = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--report-worker",
            fmt,
            "--database-url",
            database_url,
            "--result",
            str(result_path),
        ]
        log(f"  report {fmt}")
        result = subprocess.run(argv, cwd=REPO_ROOT, env=child_env(database_url))
        if result.returncode != 0:
            results.append({"format": fmt, "error": f"exit {result.returncode}"})
            continue
        results.append(json.loads(result_path.read_text()))
    return results


def print_reports(args, reports):
    print()
    if reports and "cycle" in reports[0]:
        first = reports[0]
        print(
            f"Cycle progress report, whole roadmap, cycle {first['cycle']} at scale {args.scale_large} "
            f"({first['activities']} activities, {first['annex']} approved updates in the annex)"
        )
    header = (
        f"{'format':<8}{'gather s':>10}{'render s':>10}{'total s':>9}"
        f"{'peak MB':>9}{'growth MB':>11}{'size KB':>10}"
    )
    print(header)
    print("-" * len(header))
    rows = []
    for report in reports:
        if "error" in report:
            print(f"{report['format']:<8}  ERROR: {report['error']}")
            continue
        print(
            f"{report['format']:<8}{report['gather_s']:>10.2f}{report['render_s']:>10.2f}"
            f"{report['total_s']:>9.2f}{report['peak_mb']:>9.0f}{report['growth_mb']:>11.0f}"
            f"{report['size_kb']:>10.0f}"
        )
        rows.append({"name": f"report_{report['format']}", **report})
    return rows


def _peak_rss_mb():
    import resource

    # Linux reports ru_maxrss in kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report_worker(database_url, fmt, result_path):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    os.environ["DATABASE_URL"] = database_url
    os.environ["DEBUG"] = "False"
    import django

    django.setup()
    from django.utils import translation

    from tracker.models import ReportingCycle
    from tracker.reports.content import gather_report
    from tracker.reports.render import render

    cycle = ReportingCycle.objects.open().order_by("deadline").first() or ReportingCycle.objects.first()
    translation.activate("en")
    before = _peak_rss_mb()
    started = time.perf_counter()
    data = gather_report(cycle, generated_by="bench")
    gathered = time.perf_counter()
    content = render(data, fmt)
    finished = time.perf_counter()
    peak = _peak_rss_mb()
    Path(result_path).write_text(
        json.dumps(
            {
                "format": fmt,
                "cycle": cycle.slug,
                "activities": data.activity_count,
                "annex": len(data.annex),
                "gather_s": round(gathered - started, 3),
                "render_s": round(finished - gathered, 3),
                "total_s": round(finished - started, 3),
                "peak_mb": round(peak, 1),
                "growth_mb": round(peak - before, 1),
                "size_kb": round(len(content) / 1024, 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
