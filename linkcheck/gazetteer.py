"""Places and organisations by name in many languages: CLDR (babel), linkcheck/data/names.json, and
the towns, regions and waters of linkcheck/data/towns.json (GeoNames and ISO 3166-2, see
tools/generate_towns.py)."""

from __future__ import annotations

import json
import zoneinfo
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .surface import SurfaceForm, SurfaceIndex, surface_form

# Languages whose country and city names count as the same place (sources are often foreign).
NAME_LANGUAGES = ("de", "en", "fr", "es", "it", "nl", "pt", "pl")
_NOT_COUNTRIES = {"EZ", "QO", "XA", "XB", "ZZ", "UN", "EU"}
# Territory names that are also everyday words or too short to be safe as bare matches.
_UNSAFE_NAMES = {"Georgia", "Jersey", "Chad", "Guinea", "Turkey", "Niger", "Man", "Island", "Mali",
                 "Essen", "Bad", "Panama", "Chile", "North", "South", "West", "East", "General",
                 "Continental", "Virgin", "Troll", "Oral", "Resolute", "Acre", "Currie", "Regina",
                 "Canary", "Cayenne", "Thule", "Midway", "Easter", "Center", "Casey", "Davis",
                 "Mawson", "Palmer", "Stanley", "Johnston", "Knox", "Dawson", "Wake", "Marengo",
                 "Vevay", "Winamac", "Beulah", "Salem", "Monticello", "Mendoza", "Victoria",
                 "Guernsey", "Madeira", "Havana", "Norfolk", "Creston", "Nome", "Eucla", "Chatham",
                 "Kanton", "Wallis", "Gambier", "Tell City", "New Salem", "Cordoba", "Rosario"}
_ZONE_AREAS = ("Africa/", "America/", "Asia/", "Atlantic/", "Australia/", "Europe/", "Indian/",
               "Pacific/")


@dataclass(frozen=True)
class Place:
    """A gazetteer entry: one place or organisation and every name it goes by."""

    key: str                     # "country:KP", "city:Kiew", "org:NATO"
    kind: str                    # "place" or "org"
    names: dict[str, str]        # language -> name ("de" -> "Nordkorea"); "*" for one-name entries
    aliases: tuple[str, ...]     # every other surface form, adjectives included
    is_country: bool = False     # a country or a larger area (Europa): many stories share it
    proper_names: tuple[str, ...] = ()   # the aliases that are names, not adjectives
    town: bool = False           # from the town list: its name may also be a common word (Hof)

    def name_in(self, lang: str) -> str:
        return self.names.get(lang) or self.names.get("*") or next(iter(self.names.values()))


@lru_cache(maxsize=1)
def _names_data() -> dict:
    return json.loads((Path(__file__).parent / "data" / "names.json").read_text(encoding="utf-8"))


def _derived_adjectives(name: str, lang: str) -> set[str]:
    """Regular demonyms of a country name: Nordkorea -> nordkoreanisch, Russia -> Russian."""
    if lang == "en":  # Russia -> Russian, Ukraine -> Ukrainian; the rest are in names.json
        return {name + "n"} if name[-1:] == "a" else \
            {name[:-1] + "ian"} if name[-1:] == "e" else set()
    stem = name.lower()
    out: set[str] = set()
    if " " in stem or "-" in stem:
        return out
    if stem.endswith("land"):
        out.add(stem[:-4] + "isch")
    if stem.endswith("ien"):
        out |= {stem[:-3] + "isch", stem + "isch"}
    if stem.endswith("ei"):
        out.add(stem[:-2] + "isch")
    if stem.endswith("a"):  # Korea -> koreanisch, Kuba -> kubanisch, Kanada -> kanadisch
        out |= {stem[:-1] + "isch", stem[:-1] + "anisch"}
    if stem.endswith("e"):  # Ukraine -> ukrainisch
        out.add(stem[:-1] + "isch")
    if stem[-1:] not in "aeiouy" and not stem.endswith(("land", "ien")):
        out.add(stem + "isch")
    return out


@lru_cache(maxsize=1)
def places() -> tuple[Place, ...]:
    """Every country, capital-like city, region and organisation the gazetteer knows."""
    from babel import Locale

    data = _names_data()
    locales = [(lang, Locale(lang)) for lang in NAME_LANGUAGES]
    entries: list[Place] = []
    adjective_owner: dict[str, set[str]] = {}
    country_names: dict[str, dict[str, str]] = {}
    for code in locales[0][1].territories:
        if not isinstance(code, str) or len(code) != 2 or not code.isalpha() or code in _NOT_COUNTRIES:
            continue
        names = {lang: loc.territories[code] for lang, loc in locales if code in loc.territories}
        country_names[code] = names
        for lang in ("de", "en"):
            derived = _derived_adjectives(names[lang], lang) if lang in names else set()
            for adjective in derived:
                adjective_owner.setdefault(adjective, set()).add(code)
    for code, names in country_names.items():
        # a derived adjective two countries could own (irisch: Irland or Iran?) is dropped
        owned = [a for a, owners in adjective_owner.items() if owners == {code}]
        irregular = data["country_adjectives"].get(code, [])
        aliases = {*names.values(), *data["country_aliases"].get(code, []), *owned, *irregular}
        aliases = {a for a in aliases if a not in _UNSAFE_NAMES and "(" not in a and "," not in a}
        proper = {*names.values(), *data["country_aliases"].get(code, [])} & aliases
        entries.append(Place(f"country:{code}", "place", names, tuple(sorted(aliases)), True,
                             tuple(sorted(proper))))
    broad = set(data["regions"].get("_broad", []))
    for key, group in (("org", "orgs"), ("city", "cities"), ("region", "regions")):
        for name, aliases in data[group].items():
            if name.startswith("_"):
                continue
            kind = "org" if key == "org" else "place"
            extra = _babel_org_names(name, locales) if key == "org" else set()
            every = tuple(sorted({*aliases, *extra}))
            entries.append(Place(f"{key}:{name}", kind, {"*": name}, every, name in broad, every))
    entries.extend(_tz_cities(locales, {alias for e in entries for alias in e.aliases}))
    entries.extend(_towns({alias for e in entries for alias in e.aliases}))
    entries.extend(_compass_areas(entries))
    return tuple(entries)


# Parts of a country or region named by a compass word: Ostdeutschland, Norditalien, West Africa.
_COMPASS_DE = ("Nord", "Süd", "Ost", "West", "Nordost", "Nordwest", "Südost", "Südwest", "Mittel", "Zentral")
_COMPASS_EN = ("North", "South", "East", "West", "Northern", "Southern", "Eastern", "Western", "Central")


def _compass_areas(entries: list[Place]) -> list[Place]:
    """The compass parts of every country and region (not of towns: Nordhorn is no part of Horn).
    German writes one word (Ostdeutschland, Westafrika), English two (Northern Italy); a name that
    is already a place of its own (Südafrika, North Korea) stays that place."""
    known = {alias for e in entries for alias in e.aliases}
    areas: dict[str, Place] = {}
    for place in entries:
        if place.town or place.kind != "place" or place.key.startswith("city:"):
            continue
        # a one-name entry (Afrika) lists its other languages' names among its proper names (Africa)
        german = [place.names["de"]] if "de" in place.names else list(place.proper_names)
        english = [place.names["en"]] if "en" in place.names else list(place.proper_names)
        forms = [prefix + name.lower() for name in german if name.isalpha() for prefix in _COMPASS_DE]
        forms += [f"{prefix} {name}" for name in english if name.isalpha() for prefix in _COMPASS_EN]
        for form in forms:
            if form not in known and form not in areas:
                # a broad area, as a country is: many stories share it, so it proves little
                areas[form] = Place(f"area:{form}", "place", {"*": form}, (form,), True, (form,))
    return list(areas.values())


def _towns(known_names: set[str]) -> list[Place]:
    """Towns below capital size and regions (Ingolstadt, Weiden, Shropshire): entries of their own,
    flagged `town`, since many are also common words (Hof, Weiden) that need a place cue."""
    data = json.loads((Path(__file__).parent / "data" / "towns.json").read_text(encoding="utf-8"))
    entries = []
    for name, longer in data["towns"].items():
        if name not in known_names and name not in _UNSAFE_NAMES:
            entries.append(Place(f"town:{name}", "place", {"*": name}, (name, *longer), False,
                                 (name, *longer), town=True))
    for name in data["regions"] + data.get("waters", []):  # waters: Saale, Tyne (may be words: Main)
        if name not in known_names and name not in _UNSAFE_NAMES:
            entries.append(Place(f"region:{name}", "place", {"*": name}, (name,), False, (name,), town=True))
    return entries


def _babel_org_names(name: str, locales: list) -> set[str]:
    if name not in ("UN", "EU"):
        return set()
    return {loc.territories[name] for _, loc in locales if name in loc.territories}


def _tz_cities(locales: list, known_names: set[str]) -> list[Place]:
    """CLDR exemplar cities of the time-zone database, named in each language (Moskau, Moscow)."""
    cities: dict[str, Place] = {}
    for zone in sorted(zoneinfo.available_timezones()):
        if not zone.startswith(_ZONE_AREAS):
            continue
        default = zone.rsplit("/", 1)[1].replace("_", " ")
        names = {lang: loc.time_zones.get(zone, {}).get("city", default) for lang, loc in locales}
        aliases = {*names.values(), default} - _UNSAFE_NAMES
        if names["de"] in _UNSAFE_NAMES or len(default) < 4 or aliases & known_names:
            continue  # a country's name (Guyana) or a city the hand table already has
        # Europe/Kiev and Europe/Kyiv are one city: merge entries that share a name
        key = next((k for k, p in cities.items() if aliases & set(p.aliases)),
                   f"city:{names['de']}")
        old = cities.get(key)
        merged = aliases | set(old.aliases if old else ())
        merged_names = tuple(sorted(merged))
        cities[key] = Place(key, "place", old.names if old else names, merged_names, False,
                            merged_names)
    return list(cities.values())


@lru_cache(maxsize=1)
def place_index() -> SurfaceIndex:
    """The automaton over every gazetteer name and adjective; keys are Place.key."""
    return SurfaceIndex(_forms())


# A town's name takes a genitive at most: with every name ending, Konz would be found in Konzern.
_TOWN_ENDINGS = frozenset({"", "s"})


def _forms() -> list[SurfaceForm]:
    return [SurfaceForm(alias, place.key, "cap", _TOWN_ENDINGS) if place.town else surface_form(alias, place.key)
            for place in places() for alias in place.aliases]


@lru_cache(maxsize=1)
def places_by_key() -> dict[str, Place]:
    return {place.key: place for place in places()}


@lru_cache(maxsize=1)
def descriptor_words() -> frozenset[str]:
    """Nouns that say what kind of party follows (Rival Shell, Operator Hanson UK)."""
    return frozenset(_names_data()["descriptors"]["words"])


def title_words() -> tuple[frozenset[str], tuple[str, ...]]:
    """Function nouns that precede names (Präsident, Minister) and suffixes that mark them."""
    titles = _names_data()["titles"]
    return frozenset(titles["words"]), tuple(titles["suffixes"])
