"""How often repair offers the right archived copy: a local web of broken, drifted and moved sources
and a fake archive on loopback with captures at various distances from each article's date (good
ones, soft-404 captures, other stories, non-200 captures, none at all).

    .venv/bin/python bench/repair.py            # prints the table (~30 s); needs no corpus

Each citation has one right answer, written down with the case: the capture that is nearest the
article's date, before it first, among those that still support the article; or none. The bench
runs `linkcheck verify` once and counts correct replacements, correct "none", missed (none offered
where one was right) and wrong (another capture offered, or one offered where none was right).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # this working tree's linkcheck and tests

from tests.integration.fake_archive import FakeArchive  # noqa: E402
from tests.integration.local_server import local_web, page, redirect  # noqa: E402

PAGES, ARCHIVE = "127.0.0.31", "127.0.0.32"
PEOPLE = [("Anna", "Keller"), ("Jonas", "Brandt"), ("Miriam", "Okafor"), ("Lukas", "Hoffmann"),
          ("Sofia", "Marchetti"), ("Tobias", "Lindqvist"), ("Hanna", "Petersen"), ("Emil", "Novak"),
          ("Clara", "Wendland"), ("Felix", "Aydin"), ("Greta", "Sommer"), ("Paul", "Kowalski")]
PLACES = ["Freiburg", "Cottbus", "Rostock", "Passau", "Kassel", "Lübeck", "Jena", "Trier", "Ulm", "Görlitz",
          "Bamberg", "Kiel"]
COMPANIES = ["Nordwind Energie", "Elbtal Logistik", "Rheinauen Bau", "Harzer Wasserwerke", "Saalebank",
             "Moselkraft", "Ostseewerft", "Allgäu Milch", "Spreeglas", "Weserholz", "Mainfunk", "Eiderstrom"]
NOT_FOUND = (b"<html lang='de'><head><title>Seite nicht gefunden</title></head><body><h1>Seite nicht gefunden"
             b"</h1><p>Die angeforderte Seite existiert leider nicht.</p></body></html>")
DATE = "20240612"   # every article is dated 12.06.2024


@dataclass(frozen=True)
class Case:
    """One cited source: how the live page fails and which captures the archive holds."""

    name: str
    live: str                                  # dead, drifted or moved
    captures: tuple[tuple[str, str, int], ...]  # (timestamp, content: own/other/soft404, status)
    right: str | None                          # the timestamp of the right replacement, or None


CASES = [
    Case("good capture the day before", "dead", (("20240611090000", "own", 200),), "20240611090000"),
    Case("soft 404 nearest before, good one earlier", "dead",
         (("20240611000000", "soft404", 200), ("20240520000000", "own", 200)), "20240520000000"),
    Case("closer after, farther before: before wins", "drifted",
         (("20240613000000", "own", 200), ("20240601000000", "own", 200)), "20240601000000"),
    Case("only another story before, good after", "drifted",
         (("20240501000000", "other", 200), ("20240615000000", "own", 200)), "20240615000000"),
    Case("only soft 404 and another story", "dead",
         (("20240610000000", "soft404", 200), ("20240401000000", "other", 200)), None),
    Case("no capture at all", "moved", (), None),
    Case("404 and 302 captures only", "dead", (("20240610000000", "own", 404), ("20240605000000", "own", 302)),
         None),
    Case("302 capture nearest, good one a year before", "moved",
         (("20240611000000", "own", 302), ("20230612000000", "own", 200)), "20230612000000"),
]


def story(n: int, variant: str = "") -> bytes:
    first, last = PEOPLE[n]
    place, company = PLACES[n], COMPANIES[n]
    other = PEOPLE[(n + 5) % len(PEOPLE)]
    text = (f"<p>In {place} hat {first} {last}, Vorstand der {company}, am Dienstag neue Pläne vorgestellt. "
            f"{last} sagte, die {company} wolle in {place} investieren; Stadtrat {other[0]} {other[1]} "
            f"begrüßte das Vorhaben.</p><p>Nach Angaben der {company} sollen 40 neue Stellen entstehen. "
            f"{first} {last} kündigte an, im Herbst zu berichten.{variant}</p>")
    return (f"<html lang='de'><head><title>{company} plant Ausbau in {place}</title></head><body><main>"
            f"<article><h1>{company} plant Ausbau in {place}</h1>{text}</article></main></body></html>").encode()


def article_text(n: int, urls: list[str]) -> str:
    first, last = PEOPLE[n]
    other = PEOPLE[(n + 5) % len(PEOPLE)]
    return (f"12.06.2024\n{COMPANIES[n].replace(' ', '')}plantAusbauin{PLACES[n]}\n\n"
            f"Die {COMPANIES[n]} will in {PLACES[n]} wachsen. {first} {last} stellte die Pläne am Dienstag vor; "
            f"Stadtrat {other[0]} {other[1]} begrüßte das Vorhaben. 40 neue Stellen sollen entstehen.\n\n"
            f"Quellen: {' - '.join(urls)}\n")


def main() -> int:
    archive = FakeArchive()
    expected: dict[str, tuple[Case, str | None]] = {}
    with local_web((PAGES, ARCHIVE)) as web, tempfile.TemporaryDirectory(prefix="linkcheck-repair-") as scratch:
        work = Path(scratch)
        web.fallbacks[ARCHIVE] = archive.route
        web.routes["/"] = page(b"<html><body><h1>Startseite</h1><p>Nachrichten</p></body></html>")
        (work / "articles").mkdir()
        for n in range(len(PEOPLE)):
            urls = []
            for k, case in enumerate(CASES):
                if (n + k) % 2:   # each article cites half the cases, so 12 x 4 = 48 citations
                    continue
                path = f"/a{n}/quelle-{k}.html"
                url = web.url(path, PAGES)
                urls.append(url)
                if case.live == "drifted":
                    web.routes[path] = page(story((n + 3) % len(PEOPLE)))
                elif case.live == "moved":
                    web.routes[path] = redirect("/", 301)
                for timestamp, content, status in case.captures:
                    body = {"own": story(n, " (Stand: Juni)"), "other": story((n + 4) % len(PEOPLE)),
                            "soft404": NOT_FOUND}[content]
                    archive.add(url, timestamp, body, status)
                expected[url] = (case, case.right)
            (work / "articles" / f"{n:02d}.txt").write_text(article_text(n, urls))
        keys = {**archive.config(web.url("", ARCHIVE)), "archives": ["wayback"], "max_captures": 4}
        (work / "linkcheck.toml").write_text("".join(f"{k} = {json.dumps(v)}\n" for k, v in keys.items()))
        done = subprocess.run([sys.executable, "-m", "linkcheck", "verify", "articles", "--allow-private",
                               "--format", "json", "--timeout", "5", "--retries", "0"],
                              cwd=work, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
        fixed = subprocess.run([sys.executable, "-m", "linkcheck", "fix", "articles/00.txt"], cwd=work,
                               capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    tally: Counter[str] = Counter()
    by_case: dict[str, Counter[str]] = {case.name: Counter() for case in CASES}
    for row in rows:
        case, right = expected[row["url"]]
        offered = row["replacement"]["url"].split("/web/")[1].split("/")[0] if row["replacement"] else None
        outcome = ("correct" if offered == right else "missed" if offered is None else "wrong") if right \
            else ("correct none" if offered is None else "wrong")
        tally[outcome] += 1
        by_case[case.name][outcome] += 1
    width = max(len(name) for name in by_case)
    print(f"{'case':<{width}}  citations  correct  correct none  missed  wrong")
    for case in CASES:
        c = by_case[case.name]
        print(f"{case.name:<{width}}  {sum(c.values()):>9}  {c['correct']:>7}  {c['correct none']:>12}  "
              f"{c['missed']:>6}  {c['wrong']:>5}")
    print(f"{'all':<{width}}  {len(rows):>9}  {tally['correct']:>7}  {tally['correct none']:>12}  "
          f"{tally['missed']:>6}  {tally['wrong']:>5}")
    print(f"\n$ linkcheck fix articles/00.txt\n{fixed.stdout.strip()}")
    if len(rows) != len(expected) or "Traceback" in done.stderr + fixed.stderr:
        print(done.stderr[-3000:], file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
