"""Event-loop lag of a linkcheck run: does page parsing stall the event loop?

Runs `linkcheck.pipeline.verify` in-process (as `linkcheck verify` does) next to a probe task that
asks to wake every 10 ms and records how late it wakes. Prints one JSON object. speed.py runs it
with --profile; alone:
    .venv/bin/python bench/looplag.py ARTICLES_DIR --db /tmp/x.db --per-host 2 --concurrency 100
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from linkcheck.archive import Archive  # noqa: E402
from linkcheck.config import load_config  # noqa: E402
from linkcheck.pipeline import verify  # noqa: E402

TICK = 0.010


async def _run(paths: list[Path], config, archive: Archive) -> dict:
    lags: list[float] = []
    done = asyncio.Event()

    async def probe() -> None:
        loop = asyncio.get_running_loop()
        while not done.is_set():
            before = loop.time()
            await asyncio.sleep(TICK)
            lags.append(loop.time() - before - TICK)

    probe_task = asyncio.create_task(probe())
    start = time.monotonic()
    results = 0

    def on_result(result) -> None:
        nonlocal results
        results += 1

    try:
        await verify(paths, config, archive, on_result=on_result)
    finally:
        done.set()
        await probe_task
    wall = time.monotonic() - start
    lags.sort()
    pick = lambda q: lags[min(len(lags) - 1, int(q * len(lags)))] * 1000 if lags else None  # noqa: E731
    return {"wall_s": round(wall, 2), "links": results, "ticks": len(lags),
            "lag_ms_p50": pick(0.5), "lag_ms_p90": pick(0.9), "lag_ms_p99": pick(0.99),
            "lag_ms_max": lags[-1] * 1000 if lags else None,
            "stalled_s": round(sum(x for x in lags if x > 0.005), 2),
            "stalled_share": round(sum(x for x in lags if x > 0.005) / wall, 3) if wall else None}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--per-host", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    config = load_config().with_overrides(db_path=args.db, per_host=args.per_host, concurrency=args.concurrency,
                                          allow_private=True, quiet=True, output_format="json")
    archive = Archive(config.db_path)
    try:
        with archive.lock():
            report = asyncio.run(_run(args.paths, config, archive))
    finally:
        archive.close()
    print(json.dumps({k: (round(v, 1) if isinstance(v, float) else v) for k, v in report.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
