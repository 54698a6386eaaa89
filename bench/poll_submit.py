"""Load test of anonymous poll submissions (``POST /p/<token>``) against a bare-stack baseline.

    python bench/poll_submit.py [--requests N] [--connections C] [--rounds R]
                                [--max-seconds S] [--smoke]

For SQLite (a fresh temporary instance folder) and, when ``TEST_DATABASE_URL`` is set, for
PostgreSQL (a fresh database with a random name, dropped at the end): bootstrap the app, make
two links to the ``worker_poll_2017`` poll, serve the app and ``bench/baseline_app.py`` with
gunicorn (2 workers each), then drive each with C concurrent clients until N submissions or S
seconds. Prints throughput, p50/p99 latency, errors, the app/baseline ratio, PASS/MISS lines
for the aims and a check that the stored rows match the successful submissions.

Timings are only printed, never asserted: the exit status is 0 unless the harness itself
failed (set-up, a crash, or stored rows that do not match the successful submissions).
See bench/README.md for how to read the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = PROJECT_ROOT / "bench"
SURVEY_KEY = "worker_poll_2017"
UNIT_CODE = "MAU-CDCS-TPKT01"
HOST = "127.0.0.1"
WORKERS = 2
#: The aims (informational only).
AIM_RATIO = 0.8
AIM_P99_MS = 100.0
AIM_CONNECTIONS = 16

#: A realistic, valid set of answers to worker_poll_2017 (14 answer rows: 13 choices, 1 text).
ANSWERS: dict[str, str] = {
    "p_tuoi": "30_45",
    "p_khu_vuc": "ngoai_nha_nuoc",
    "p_biet_nq": "nghe_noi",
    "p_pho_bien": "thinh_thoang",
    "p_doan_vien": "khong",
    "p_muon_vao": "co",  # relevant only because p_doan_vien is "khong"
    "p_thoa_uoc": "co",
    "p_nha_o": "chua_co_can",
    "p_m_luong": "4",
    "p_m_y_kien": "3",
    "p_m_an_toan": "5",
    "p_thi_dua": "yes",
    "p_hai_long": "4",
    "p_mong_muon": "Mong công đoàn đề xuất tăng lương và cải thiện bữa ăn giữa ca.",
}
TEXT_FIELDS = ("p_mong_muon",)
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


class HarnessError(RuntimeError):
    """The bench could not run (as opposed to the app being slow or failing requests)."""


# ---- processes --------------------------------------------------------------------------


def venv_script(name: str) -> str:
    """A console script next to the running interpreter (the project's venv), else on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise HarnessError(f"{name} not found: run with the project's .venv/bin/python")
    return found


def run_cli(env: dict[str, str], *args: str) -> str:
    """Run ``survey-app ARGS`` and return its standard output; HarnessError when it fails."""
    command = [venv_script("survey-app"), *args]
    done = subprocess.run(command, env=env, cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=300, check=False)
    if done.returncode != 0:
        raise HarnessError(f"survey-app {' '.join(args)} failed ({done.returncode}):\n"
                           f"{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A gunicorn master started by the bench (in its own process group)."""

    name: str
    port: int
    process: subprocess.Popen
    log_path: Path

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # gunicorn: graceful shutdown of the workers
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


def start_gunicorn(name: str, app_spec: str, env: dict[str, str], workdir: Path,
                   extra_args: tuple[str, ...] = ()) -> Server:
    port = free_port()
    log_path = workdir / f"gunicorn-{name}.log"
    command = [venv_script("gunicorn"), "--workers", str(WORKERS), "--bind", f"{HOST}:{port}",
               "--timeout", "60", "--graceful-timeout", "5", *extra_args, app_spec]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    return Server(name=name, port=port, process=process, log_path=log_path)


def wait_healthy(server: Server, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise HarnessError(f"{server.name}: gunicorn exited ({server.process.returncode}):\n"
                               f"{server.log_tail()}")
        conn = http.client.HTTPConnection(HOST, server.port, timeout=2)
        try:
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.1)
    raise HarnessError(f"{server.name}: /healthz did not answer 200 within {timeout:.0f} s:\n"
                       f"{server.log_tail()}")


# ---- load -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    name: str
    port: int
    path: str
    #: The gunicorn master, whose workers' CPU time is measured.
    server_pid: int
    #: The app checks a CSRF token held in the session: GET the page first.
    needs_page: bool
    expected_status: int = 303


@dataclass
class ClientStats:
    latencies: list[float] = field(default_factory=list)  # seconds, measured requests only
    successes: int = 0
    warmup_successes: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)  # measured non-successes
    setup_error: str | None = None


@dataclass(frozen=True)
class LoadResult:
    target: Target
    connections: int
    elapsed: float
    latencies: list[float]
    successes: int
    warmup_successes: int
    errors: Counter[str]
    timed_out: bool
    #: CPU seconds used during the measured phase by the gunicorn processes (None off Linux)
    #: and by this process (the clients).
    server_cpu: float | None
    client_cpu: float

    @property
    def measured(self) -> int:
        return len(self.latencies)

    def cpu_ms(self, seconds: float | None) -> float | None:
        if seconds is None or not self.measured:
            return None
        return seconds * 1000 / self.measured

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def throughput(self) -> float:
        return self.successes / self.elapsed if self.elapsed > 0 else 0.0

    def percentile_ms(self, pct: int) -> float:
        if not self.latencies:
            return float("nan")
        if len(self.latencies) == 1:
            return self.latencies[0] * 1000
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[pct - 1] * 1000


class Quota:
    """Hands out at most ``total`` measured requests, until ``deadline`` or ``stop``."""

    def __init__(self, total: int, max_seconds: float, stop: threading.Event) -> None:
        self._left = total
        self._lock = threading.Lock()
        self._max_seconds = max_seconds
        self._stop = stop
        self.started = 0.0
        self.deadline = float("inf")
        self.timed_out = False

    def start(self) -> None:
        self.started = time.perf_counter()
        self.deadline = self.started + self._max_seconds

    def take(self) -> bool:
        if self._stop.is_set():
            return False
        if time.perf_counter() >= self.deadline:
            self.timed_out = True
            return False
        with self._lock:
            if self._left <= 0:
                return False
            self._left -= 1
            return True


class Client:
    """One keep-alive connection (http.client reconnects when the server closes it)."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.conn = http.client.HTTPConnection(HOST, target.port, timeout=30)
        self.session_cookie: str | None = None
        self.csrf_token: str | None = None

    def _send(self, method: str, body: bytes | None,
              headers: dict[str, str]) -> tuple[int, bytes]:
        if self.session_cookie:
            headers["Cookie"] = f"session={self.session_cookie}"
        try:
            self.conn.request(method, self.target.path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            raise
        # Keep only the session cookie: never send back p_done_* ("already answered").
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            if name.strip() == "session":
                self.session_cookie = rest.split(";", 1)[0]
        return response.status, data

    def open_page(self) -> None:
        status, data = self._send("GET", None, {})
        if status != 200:
            raise HarnessError(f"GET {self.target.path} answered {status}")
        match = CSRF_RE.search(data.decode("utf-8", errors="replace"))
        if match is None or self.session_cookie is None:
            raise HarnessError("the poll page has no csrf_token or no session cookie")
        self.csrf_token = match.group(1)

    def submit(self) -> int:
        fields = {"_response_id": str(uuid.uuid4()), **ANSWERS}
        if self.csrf_token is not None:
            fields["csrf_token"] = self.csrf_token
        body = urllib.parse.urlencode(fields).encode("ascii")
        status, _ = self._send("POST", body, {
            "Content-Type": "application/x-www-form-urlencoded",
            "Content-Length": str(len(body)),
        })
        return status

    def close(self) -> None:
        self.conn.close()


def client_loop(target: Target, quota: Quota, barrier: threading.Barrier, warmup: int,
                stats: ClientStats) -> None:
    client = Client(target)
    try:
        try:
            if target.needs_page:
                client.open_page()
            for _ in range(warmup):
                if client.submit() == target.expected_status:
                    stats.warmup_successes += 1
        except (OSError, http.client.HTTPException, HarnessError) as exc:
            stats.setup_error = f"{type(exc).__name__}: {exc}"
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=120)
        if stats.setup_error:
            return
        while quota.take():
            began = time.perf_counter()
            try:
                status = client.submit()
            except (OSError, http.client.HTTPException) as exc:
                stats.outcomes[type(exc).__name__] += 1
                continue
            stats.latencies.append(time.perf_counter() - began)
            if status == target.expected_status:
                stats.successes += 1
            else:
                stats.outcomes[f"HTTP {status}"] += 1
    finally:
        client.close()


def process_tree_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) used so far by ``pid`` and its children; None off Linux."""
    total = 0
    try:
        entries = list(Path("/proc").iterdir())
    except OSError:
        return None
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        fields = stat.rsplit(")", 1)[1].split()  # from field 3 (state): ppid, ..., utime, stime
        if int(entry.name) == pid or int(fields[1]) == pid:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def run_load(target: Target, requests: int, connections: int, warmup: int,
             max_seconds: float) -> LoadResult:
    stop = threading.Event()
    quota = Quota(requests, max_seconds, stop)
    cpu_before: list[float | None] = []

    def start_measuring() -> None:  # run by the last client to reach the barrier
        cpu_before[:] = [process_tree_cpu(target.server_pid), time.process_time()]
        quota.start()

    barrier = threading.Barrier(connections, action=start_measuring)
    stats = [ClientStats() for _ in range(connections)]
    threads = [threading.Thread(target=client_loop, args=(target, quota, barrier, warmup, s),
                                name=f"{target.name}-{i}", daemon=True)
               for i, s in enumerate(stats)]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(timeout=0.5)
    except BaseException:
        stop.set()
        raise
    elapsed = time.perf_counter() - quota.started if quota.started else 0.0
    client_cpu = time.process_time() - (cpu_before[1] or 0.0) if cpu_before else 0.0
    server_now = process_tree_cpu(target.server_pid)
    server_cpu = (server_now - cpu_before[0]
                  if cpu_before and cpu_before[0] is not None and server_now is not None
                  else None)
    failed = [s.setup_error for s in stats if s.setup_error]
    if failed:
        raise HarnessError(f"{target.name}: {len(failed)} of {connections} clients could not "
                           f"start: {failed[0]}")
    errors: Counter[str] = Counter()
    for s in stats:
        errors.update(s.outcomes)
    return LoadResult(
        target=target,
        connections=connections,
        elapsed=elapsed,
        latencies=[lat for s in stats for lat in s.latencies],
        successes=sum(s.successes for s in stats),
        warmup_successes=sum(s.warmup_successes for s in stats),
        errors=errors,
        timed_out=quota.timed_out,
        server_cpu=server_cpu,
        client_cpu=client_cpu,
    )


def merge(loads: list[LoadResult]) -> LoadResult:
    """The rounds of one target as one load: counts, times and CPU added up."""
    cpus = [load.server_cpu for load in loads]
    errors: Counter[str] = Counter()
    for load in loads:
        errors.update(load.errors)
    return LoadResult(
        target=loads[0].target,
        connections=loads[0].connections,
        elapsed=sum(load.elapsed for load in loads),
        latencies=[lat for load in loads for lat in load.latencies],
        successes=sum(load.successes for load in loads),
        warmup_successes=sum(load.warmup_successes for load in loads),
        errors=errors,
        timed_out=any(load.timed_out for load in loads),
        server_cpu=None if None in cpus else sum(cpus),
        client_cpu=sum(load.client_cpu for load in loads),
    )


def ratio_of(app: LoadResult, baseline: LoadResult) -> float:
    return app.throughput / baseline.throughput if baseline.throughput else float("nan")


# ---- databases --------------------------------------------------------------------------


@dataclass(frozen=True)
class Database:
    label: str
    url: str


@contextlib.contextmanager
def sqlite_database(instance: Path) -> Iterator[Database]:
    """The file the app would use by default in ``instance``, removed with the folder."""
    yield Database("SQLite", f"sqlite:///{instance / 'survey_app.sqlite3'}")


@contextlib.contextmanager
def postgres_database(admin_url: str) -> Iterator[Database]:
    """A fresh database with a random name on the server of ``admin_url``, dropped after."""
    name = f"bench_poll_{secrets.token_hex(6)}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        try:
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        except sa.exc.SQLAlchemyError as exc:
            raise HarnessError(f"cannot create a database with TEST_DATABASE_URL: {exc}") from exc
        try:
            url = sa.make_url(admin_url).set(database=name)
            yield Database("PostgreSQL", url.render_as_string(hide_password=False))
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def stored_responses(database_url: str, tokens: dict[str, str]) -> dict[str, tuple[int, int]]:
    """(responses, answers) stored per target name, found through its link token."""
    from survey_app.models import PollAnswer, PollLink, PollResponse

    engine = sa.create_engine(database_url)
    try:
        counts = {}
        with engine.connect() as conn:
            for name, token in tokens.items():
                link_id = conn.scalar(sa.select(PollLink.id).where(PollLink.token == token))
                responses = conn.scalar(sa.select(sa.func.count()).select_from(PollResponse)
                                        .where(PollResponse.poll_link_id == link_id))
                answers = conn.scalar(sa.select(sa.func.count()).select_from(PollAnswer)
                                      .join(PollResponse,
                                            PollResponse.id == PollAnswer.response_id)
                                      .where(PollResponse.poll_link_id == link_id))
                counts[name] = (responses or 0, answers or 0)
        return counts
    finally:
        engine.dispose()


# ---- one database -----------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    requests: int
    connections: int
    warmup: int
    max_seconds: float
    rounds: int = 1
    #: Make both links capped at this many responses (the app's conditional UPDATE path).
    cap: int | None = None


def make_link(env: dict[str, str], cap: int | None = None) -> str:
    """A new poll link: the token at the end of the last line printed."""
    extra = ("--cap", str(cap)) if cap else ()
    output = run_cli(env, "polls", "create", SURVEY_KEY, UNIT_CODE, *extra)
    lines = output.strip().splitlines()
    if not lines or "/p/" not in lines[-1]:
        raise HarnessError(f"polls create printed no link:\n{output}")
    return lines[-1].rsplit("/p/", 1)[1]


def bench_database(database: Database, instance: Path, options: Options) -> bool:
    """Set up, load the app and the baseline, print the figures; False when rows mismatch."""
    env = dict(os.environ)
    env.update({
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": secrets.token_urlsafe(32),
        "BASE_URL": "http://127.0.0.1:5000",
        "DATABASE_URL": database.url,
        "POLL_POST_LIMIT": "1000000 per minute",
        "PYTHONUNBUFFERED": "1",
    })

    print(f"\n== {database.label} ==", flush=True)
    began = time.perf_counter()
    run_cli(env, "bootstrap")
    tokens = {"app": make_link(env, options.cap), "baseline": make_link(env, options.cap)}
    print(f"set-up: bootstrap and two poll links in {time.perf_counter() - began:.1f} s",
          flush=True)

    baseline_env = {**env, "BENCH_POLL_TOKEN": tokens["baseline"],
                    "BENCH_TEXT_FIELDS": ",".join(TEXT_FIELDS)}
    servers: list[Server] = []
    try:
        servers.append(start_gunicorn("app", "survey_app:create_app()", env, instance))
        servers.append(start_gunicorn("baseline", "baseline_app:create_app()", baseline_env,
                                      instance, ("--pythonpath", str(BENCH_DIR))))
        for server in servers:
            wait_healthy(server)
        app_server, baseline_server = servers
        targets = [
            Target("baseline", baseline_server.port, f"/p/{tokens['baseline']}",
                   baseline_server.process.pid, needs_page=False),
            Target("app", app_server.port, f"/p/{tokens['app']}", app_server.process.pid,
                   needs_page=True),
        ]
        rounds: dict[str, list[LoadResult]] = {target.name: [] for target in targets}
        print(f"load: {options.requests} submissions per target over {options.connections} "
              f"connections, in {options.rounds} alternating rounds ...", flush=True)
        for number in range(options.rounds):
            # One after the other (they share the cores), alternating which goes first, so
            # that whatever else runs on the machine weighs on both alike.
            share = options.requests // options.rounds + (number < options.requests
                                                          % options.rounds)
            for target in targets if number % 2 == 0 else reversed(targets):
                rounds[target.name].append(run_load(target, share, options.connections,
                                                    options.warmup, options.max_seconds))
            app_round, baseline_round = rounds["app"][-1], rounds["baseline"][-1]
            print(f"  round {number + 1}: app {app_round.throughput:6.1f}/s, baseline "
                  f"{baseline_round.throughput:6.1f}/s, ratio "
                  f"{ratio_of(app_round, baseline_round):.2f}", flush=True)
        results = {name: merge(loads) for name, loads in rounds.items()}
        for server in servers:
            if server.process.poll() is not None:
                raise HarnessError(f"{server.name}: gunicorn died during the load:\n"
                                   f"{server.log_tail()}")
    finally:
        for server in servers:
            server.stop()

    report(results["app"], results["baseline"], options)
    return report_rows(database.url, tokens, results)


# ---- output -----------------------------------------------------------------------------


def describe(result: LoadResult) -> str:
    errors = ", ".join(f"{k} x{v}" for k, v in result.errors.most_common()) or "none"
    stopped = " (stopped at the time limit)" if result.timed_out else ""
    server_cpu = result.cpu_ms(result.server_cpu)
    server = "n/a" if server_cpu is None else f"{server_cpu:.1f} ms"
    return (f"{result.throughput:7.1f} submissions/s  p50 {result.percentile_ms(50):6.1f} ms  "
            f"p99 {result.percentile_ms(99):6.1f} ms  ok {result.successes}  "
            f"errors {result.error_count} ({errors})  in {result.elapsed:.1f} s{stopped}\n"
            f"             CPU per submission: gunicorn {server}, "
            f"bench client {result.cpu_ms(result.client_cpu) or 0:.1f} ms")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def report(app: LoadResult, baseline: LoadResult, options: Options) -> None:
    print(f"  app      : {describe(app)}")
    print(f"  baseline : {describe(baseline)}")
    ratio = ratio_of(app, baseline)
    print(f"  ratio app/baseline throughput: {ratio:.2f} (all rounds together)")
    app_cpu, baseline_cpu = app.cpu_ms(app.server_cpu), baseline.cpu_ms(baseline.server_cpu)
    if app_cpu and baseline_cpu:
        print(f"  ratio baseline/app gunicorn CPU per submission: {baseline_cpu / app_cpu:.2f} "
              "(the throughput ratio to expect when the cores are the limit)")
    print(f"  {verdict(ratio >= AIM_RATIO)} app throughput >= {AIM_RATIO} of baseline "
          f"({ratio:.2f})")
    p99 = app.percentile_ms(99)
    at = ("" if options.connections == AIM_CONNECTIONS
          else f"; measured at {options.connections} connections, not {AIM_CONNECTIONS}")
    print(f"  {verdict(p99 <= AIM_P99_MS)} app p99 <= {AIM_P99_MS:.0f} ms at {AIM_CONNECTIONS} "
          f"connections ({p99:.1f} ms{at})")


def report_rows(database_url: str, tokens: dict[str, str],
                results: dict[str, LoadResult]) -> bool:
    stored = stored_responses(database_url, tokens)
    all_match = True
    for name, result in results.items():
        responses, answers = stored[name]
        expected = result.successes + result.warmup_successes
        expected_answers = expected * len(ANSWERS)
        match = responses == expected and answers == expected_answers
        all_match &= match
        print(f"  rows {name:8}: {responses} responses for {expected} successful submissions "
              f"(incl. {result.warmup_successes} warm-up), {answers} answers for "
              f"{expected_answers} expected: {'OK' if match else 'MISMATCH'}")
    return all_match


# ---- main -------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=None,
                        help="measured submissions per target (default 2000; 200 with --smoke)")
    parser.add_argument("--connections", type=int, default=16,
                        help="concurrent client connections (default 16)")
    parser.add_argument("--max-seconds", type=float, default=120.0,
                        help="stop each measured load after this long (default 120)")
    parser.add_argument("--rounds", type=int, default=None,
                        help="alternate app and baseline this many times, sharing the "
                             "submissions (default 4; 1 with --smoke)")
    parser.add_argument("--smoke", action="store_true",
                        help="a quick run: 200 submissions per target")
    parser.add_argument("--cap", type=int, default=None,
                        help="cap both poll links at this many responses (never reached): "
                             "measures the capped path, where each submission also raises "
                             "the link's count")
    args = parser.parse_args(argv)
    requests = args.requests or (200 if args.smoke else 2000)
    rounds = args.rounds or (1 if args.smoke else 4)
    if requests < 1 or args.connections < 1 or args.max_seconds <= 0 or rounds < 1:
        parser.error("--requests, --connections, --rounds and --max-seconds must be positive")
    if rounds > requests:
        parser.error("--rounds cannot exceed --requests")
    if args.cap is not None and args.cap < 1:
        parser.error("--cap must be positive")
    return Options(requests=requests, connections=args.connections,
                   warmup=1 if args.smoke else 3, max_seconds=args.max_seconds, rounds=rounds,
                   cap=args.cap)


def _raise_interrupt(signum: int, _frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_interrupt)  # clean up on kill as on Ctrl-C
    print(f"poll submission bench: {options.requests} submissions per target in "
          f"{options.rounds} round(s), {options.connections} connections, "
          f"gunicorn {WORKERS} sync workers, "
          f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
          + (f", links capped at {options.cap}" if options.cap else ""))
    postgres_urls: list[str | None] = [None]  # None: SQLite
    pg_url = os.environ.get("TEST_DATABASE_URL")
    if pg_url:
        postgres_urls.append(pg_url)
    else:
        print("(TEST_DATABASE_URL is not set: PostgreSQL skipped)")
    print("rate-limit storage: " + ("REDIS_URL" if os.environ.get("REDIS_URL")
                                    else "in-process memory (REDIS_URL is not set)"))
    rows_ok = True
    try:
        for url in postgres_urls:
            with tempfile.TemporaryDirectory(prefix="bench-poll-") as tmp:
                instance = Path(tmp)
                with (postgres_database(url) if url else sqlite_database(instance)) as database:
                    rows_ok &= bench_database(database, instance, options)
    except HarnessError as exc:
        print(f"\nbench failed: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted: servers stopped, temporary files removed", file=sys.stderr)
        return 130
    if not rows_ok:
        print("\nstored rows do not match the successful submissions", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
