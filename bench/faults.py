"""Print the fault table (fault, verdict, seconds, peak MB) and the hostile-pages table (case,
verdict, rule, seconds, peak MB of the process tree) without pytest.

    .venv/bin/python bench/faults.py              # both tables, written to bench/out/ (~2 min)
    .venv/bin/python bench/faults.py --hostile    # the hostile-pages table only (~1 min)

Starts the loopback fault server (tests/integration/faultserver.py), runs `linkcheck verify`
once over an article citing every light fault, then each heavy fault alone, and prints the
same table the test suite writes (tests/integration/test_faults.py); then one run per hostile
page with a good page beside it (tests/integration/test_hostile_pages.py).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # this working tree's linkcheck and tests, not an installed copy

from tests.integration import test_hostile_pages as hostile  # noqa: E402
from tests.integration.faultserver import FaultServer  # noqa: E402
from tests.integration.test_faults import _faults, format_table, run_fault_suite, write_table  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hostile", action="store_true", help="only the hostile-pages table")
    options = parser.parse_args()
    failed = False
    out = REPO / "bench" / "out"
    if not options.hostile:
        with FaultServer(hosts=len(_faults()) + 1, max_lifetime=600) as server, \
                tempfile.TemporaryDirectory(prefix="linkcheck-faults-") as scratch:
            report = run_fault_suite(server, Path(scratch))
        written = write_table(report)
        print(format_table(report))
        print(f"(written to {written.relative_to(REPO)})\n")
        if report.run.timed_out or "Traceback" in report.run.stderr:
            print(report.run.stderr[-3000:], file=sys.stderr)
            failed = True
    with FaultServer(hosts=2 * len(hostile.cases()) + 2, max_lifetime=600) as server, \
            tempfile.TemporaryDirectory(prefix="linkcheck-hostile-") as scratch:
        pages = hostile.run_hostile_suite(server, Path(scratch))
    table = hostile.format_table(pages)
    out.mkdir(parents=True, exist_ok=True)
    (out / "hostile.md").write_text("# Hostile pages\n\n" + table, "utf-8")
    print(table)
    print(f"(written to {(out / 'hostile.md').relative_to(REPO)})")
    for result in pages.results:
        if "Traceback" in result.stderr or result.returncode not in (0, 1):
            print(f"{result.case.name}: exit {result.returncode}\n{result.stderr[-3000:]}", file=sys.stderr)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
