"""Cost of nested <div>s: the tag scan that refuses them, lexbor's parse, and the main-text step.

    .venv/bin/python bench/nesting.py                 # depths 10,000 / 20,000 / 40,000
    .venv/bin/python bench/nesting.py 1000000         # any depths

Each depth runs in a process of its own (its peak RSS is its own). The main-text step runs on a
tree parsed directly, past the depth cap, to show that it is linear in the page; the parse itself
is quadratic in the depth, which is why page_budget.check_markup refuses such pages first.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def measure(depth: int) -> dict:
    from selectolax.lexbor import LexborHTMLParser

    from linkcheck.boilerplate import main_text, strip_non_content
    from linkcheck.page_budget import PageBudgetExceeded, check_markup

    story = "<p>" + "Der Bundestag hat am Freitag den Haushalt beschlossen. " * 5 + "</p>"
    html = f"<html><body>{'<div>' * depth}{story}{'</div>' * depth}</body></html>".encode()
    started = time.process_time()
    try:
        check_markup(html)
        refused = ""
    except PageBudgetExceeded as exc:
        refused = str(exc)
    scan = time.process_time() - started
    result = {"depth": depth, "bytes": len(html), "scan_s": scan, "refused": refused}
    if depth <= 100_000:  # 160,000 divs take lexbor 200 s
        started = time.process_time()
        tree = LexborHTMLParser(html)
        result["parse_s"] = time.process_time() - started
        strip_non_content(tree)
        started = time.process_time()
        text = main_text(tree, len(story))
        result["main_text_s"] = time.process_time() - started
        result["main_text_ok"] = "Haushalt" in text
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(measure(int(sys.argv[2]))))
        return 0
    depths = [int(a) for a in sys.argv[1:]] or [10_000, 20_000, 40_000]
    print("| nested divs | bytes | tag scan s | verdict of the scan | lexbor parse s | main text s | peak MB |")
    print("|---:|---:|---:|---|---:|---:|---:|")
    for depth in depths:
        row = json.loads(subprocess.run([sys.executable, __file__, "--one", str(depth)], capture_output=True,
                                        text=True, check=True).stdout)
        parse = f"{row['parse_s']:.2f}" if "parse_s" in row else "-"
        text = f"{row['main_text_s']:.3f}" if "main_text_s" in row else "-"
        print(f"| {row['depth']:,} | {row['bytes']:,} | {row['scan_s']:.4f} | {row['refused'] or 'read'} | "
              f"{parse} | {text} | {row['peak_mb']:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
