"""Print the fault table (fault, verdict, seconds, peak MB) without pytest.

    .venv/bin/python bench/faults.py      # prints the table, writes bench/out/faults.md (~30 s)

Starts the loopback fault server (tests/integration/faultserver.py), runs `linkcheck verify`
once over an article citing every light fault, then each heavy fault alone, and prints the
same table the test suite writes (tests/integration/test_faults.py).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # this working tree's linkcheck and tests, not an installed copy

from tests.integration.faultserver import FaultServer  # noqa: E402
from tests.integration.test_faults import _faults, format_table, run_fault_suite, write_table  # noqa: E402


def main() -> int:
    argparse.ArgumentParser(description=__doc__.split("\n")[0]).parse_args()
    with FaultServer(hosts=len(_faults()) + 1, max_lifetime=600) as server, \
            tempfile.TemporaryDirectory(prefix="linkcheck-faults-") as scratch:
        report = run_fault_suite(server, Path(scratch))
    out = write_table(report)
    print(format_table(report))
    print(f"(written to {out.relative_to(REPO)})")
    if report.run.timed_out or "Traceback" in report.run.stderr:
        print(report.run.stderr[-3000:], file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
