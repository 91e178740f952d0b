"""linkcheck's fetcher alone over a URL list: what fetching costs before any page is read.

Every URL is fetched as `linkcheck verify` fetches it (httpx, the same limits, redirects followed,
bodies read and decompressed), and nothing is matched or stored; with --parse every body is also
parsed by Lexbor (selectolax): the floor for any run that reads the pages it fetches. Prints one
JSON object with the wall time, the CPU seconds of this process and the bytes received. speed.py
runs it, interleaved with the link checkers, as the row "floor"; alone:
    .venv/bin/python bench/fetchfloor.py URLS_TXT --per-host 2 --concurrency 100 --parse
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from selectolax.lexbor import LexborHTMLParser  # noqa: E402

from linkcheck.config import Config  # noqa: E402
from linkcheck.fetch import Fetcher  # noqa: E402
from linkcheck.pipeline import round_robin_by_host  # noqa: E402


async def fetch_all(urls: list[str], config: Config, parse: bool = False) -> tuple[int, int]:
    """(bytes of body received, URLs fetched), `config.concurrency` at a time; with `parse`, each
    body also goes through Lexbor's parser as it arrives."""
    queue = list(reversed(round_robin_by_host(urls)))
    received = fetched = 0

    async def fetch_some(fetcher: Fetcher) -> None:
        nonlocal received, fetched
        while queue:
            result = await fetcher.fetch(queue.pop())
            received += len(result.body)
            fetched += 1
            if parse and result.body:
                LexborHTMLParser(result.body)

    async with Fetcher(config) as fetcher:
        await asyncio.gather(*(fetch_some(fetcher) for _ in range(config.concurrency)))
    return received, fetched


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("urls", type=Path, help="a file with one URL per line")
    parser.add_argument("--per-host", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--parse", action="store_true", help="parse every body with Lexbor as well")
    args = parser.parse_args()
    urls = args.urls.read_text().split()
    config = Config(allow_private=True, per_host=args.per_host, concurrency=args.concurrency, timeout=args.timeout)
    started, usage = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    received, fetched = asyncio.run(fetch_all(urls, config, args.parse))
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime
    print(json.dumps({"wall_s": round(time.perf_counter() - started, 2), "cpu_s": round(cpu, 2),
                      "urls": fetched, "body_mb": round(received / 1e6, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
