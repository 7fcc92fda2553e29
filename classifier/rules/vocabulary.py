"""The screening vocabulary (data/terms): military terms and civilian senses, Japan words, denials, company words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from classifier.rules.errors import PolicyFileError
from classifier.rules.names import fold_text, has_cjk
from classifier.rules.schema import Fields, read_yaml
from classifier.settings import get_settings

TERMS_DIR = "terms"
TERMS_FILE = "screening_terms.yaml"

_CLASS = re.compile(r"\{(\w+)\}")
# Phrases are matched on folded text, so a Latin phrase must not start or end inside a longer word.
_BEFORE = r"(?<![a-z0-9])"
_AFTER = r"(?![a-z0-9])"


@dataclass(frozen=True)
class Span:
    """Where a phrase was found in a text: start, end and the text found."""

    start: int
    end: int
    text: str

    def within(self, other: Span) -> bool:
        """Return True if this span lies inside `other`."""
        return other.start <= self.start and self.end <= other.end


@dataclass(frozen=True)
class Vocabulary:
    """Compiled phrase patterns of the screening vocabulary, with the file they came from."""

    military: re.Pattern
    civilian: tuple[re.Pattern, ...]
    japan: re.Pattern
    foreign: re.Pattern
    forward_denial: re.Pattern
    backward_denial: re.Pattern
    scope_break: re.Pattern
    company_words: frozenset[str]
    unit_words: frozenset[str]
    path: str

    def military_terms(self, text: str) -> list[Span]:
        """Return the military terms of a folded text that are not part of a civilian phrase."""
        civilian = [Span(m.start(), m.end(), m.group(0)) for pattern in self.civilian for m in pattern.finditer(text)]
        found = [Span(m.start(), m.end(), m.group(0)) for m in self.military.finditer(text)]
        return [term for term in found if not any(term.within(sense) for sense in civilian)]

    def japan_words(self, text: str) -> list[Span]:
        """Return the words of a folded text that place it in Japan (the country, its people, SDF base towns)."""
        return [Span(m.start(), m.end(), m.group(0)) for m in self.japan.finditer(text)]

    def names_foreign_country(self, text: str) -> bool:
        """Return True if a folded text names a country other than Japan."""
        return bool(self.foreign.search(text))

    def names_separate_company(self, detail: str) -> bool:
        """Return True if the words left over from a matched name make it another company ("... Logistics")."""
        words = detail.split()

        def has(table: frozenset[str]) -> bool:
            return any(word in table for word in words) or any(has_cjk(entry) and entry in detail for entry in table)

        return has(self.company_words) and not has(self.unit_words)

    def affirmed(self, clause: str) -> str:
        """Return a folded clause with what its denials govern cut out."""
        cut: list[tuple[int, int]] = []
        for marker in self.forward_denial.finditer(clause):
            scope_break = self.scope_break.search(clause, _skip_space(clause, marker.end()) + 1)
            cut.append((marker.start(), scope_break.start() if scope_break else len(clause)))
        for marker in self.backward_denial.finditer(clause):
            begin = _skip_space_back(clause, marker.start()) - 1
            breaks = [m.end() for m in self.scope_break.finditer(clause, 0, max(begin, 0))]
            cut.append((breaks[-1] if breaks else 0, marker.end()))
        kept = [char for index, char in enumerate(clause) if not any(start <= index < end for start, end in cut)]
        return " ".join("".join(kept).split())


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index].isspace():
        index += 1
    return index


def _skip_space_back(text: str, index: int) -> int:
    while index > 0 and text[index - 1].isspace():
        index -= 1
    return index


def _regex(phrase: str, classes: dict[str, str], fields: Fields, key: str) -> str:
    """Return the regular expression of one phrase: `*` continues a word, `{class}` is any word of a class."""

    def word_class(match: re.Match) -> str:
        if match.group(1) not in classes:
            raise fields.error(key, f"{phrase!r} uses an unknown word class {{{match.group(1)}}}")
        return classes[match.group(1)]

    body = fold_text(phrase).replace("*", r"\w*").replace(" ", r"\s*")
    return _CLASS.sub(word_class, body)


def _alternation(phrases: list[str], classes: dict[str, str], fields: Fields, key: str) -> str:
    """Return one pattern matching any of the phrases, longest first, each as a whole word."""
    bodies = sorted((_regex(phrase, classes, fields, key) for phrase in phrases), key=len, reverse=True)
    pattern = _BEFORE + "(?:" + "|".join(bodies) + ")" + _AFTER
    try:
        re.compile(pattern)
    except re.error as exc:
        raise fields.error(key, f"is not a valid phrase list: {exc}") from None
    return pattern


def _word_classes(document: Fields) -> dict[str, str]:
    section = document.mapping("word_classes")
    classes: dict[str, str] = {}
    for name in section.raw:
        words = section.text_list(str(name), required=True)
        classes[str(name)] = "(?:" + "|".join(_regex(word, {}, section, str(name)) for word in words) + ")"
    return classes


def _check_source(section: Fields) -> None:
    """Require each table to say where its words come from: `source: unsourced` or a list of `sources` urls."""
    if "sources" in section.raw:
        for index, url in enumerate(section.text_list("sources", required=True)):
            if not url.startswith(("http://", "https://")):
                raise section.error(f"sources[{index}]", f"{url!r} is not an http(s) address")
    elif section.text("source", required=False) != "unsourced":
        raise section.error("source", "give `sources` (addresses) or `source: unsourced`")


def read_vocabulary(raw: object, path: str) -> Vocabulary:
    """Return the vocabulary of one terms document, or raise PolicyFileError naming the file and field."""
    document = Fields(raw, path)
    document.check_keys(
        {
            "word_classes",
            "military_terms",
            "civilian_senses",
            "japan_context",
            "foreign_country_words",
            "denials",
            "company_words",
        }
    )
    classes = _word_classes(document)
    military = document.mapping("military_terms")
    military.check_keys({"source", "sources", "en", "cjk"})
    _check_source(military)
    senses = []
    for entry in document.mappings("civilian_senses"):
        entry.check_keys({"term", "senses", "source", "sources"})
        entry.text("term")
        _check_source(entry)
        senses.append(
            re.compile(_alternation(list(entry.text_list("senses", required=True)), classes, entry, "senses"))
        )
    japan = document.mapping("japan_context")
    japan.check_keys({"source", "sources", "country", "places"})
    _check_source(japan)
    foreign = document.mapping("foreign_country_words")
    foreign.check_keys({"source", "sources", "words"})
    _check_source(foreign)
    denials = document.mapping("denials")
    denials.check_keys(
        {"source", "sources", "forward_en", "forward_cjk", "backward_cjk", "scope_breaks_en", "scope_breaks_cjk"}
    )
    _check_source(denials)
    company = document.mapping("company_words")
    company.check_keys({"source", "sources", "words", "unit_words"})
    _check_source(company)

    def phrases(section: Fields, *keys: str) -> re.Pattern:
        words = [word for key in keys for word in section.text_list(key, required=True)]
        return re.compile(_alternation(words, classes, section, keys[0]))

    return Vocabulary(
        military=phrases(military, "en", "cjk"),
        civilian=tuple(senses),
        japan=phrases(japan, "country", "places"),
        foreign=phrases(foreign, "words"),
        forward_denial=phrases(denials, "forward_en", "forward_cjk"),
        backward_denial=phrases(denials, "backward_cjk"),
        scope_break=phrases(denials, "scope_breaks_en", "scope_breaks_cjk"),
        company_words=frozenset(fold_text(word) for word in company.text_list("words", required=True)),
        unit_words=frozenset(fold_text(word) for word in company.text_list("unit_words", required=True)),
        path=path,
    )


def vocabulary_path(data_dir: str | Path | None = None) -> Path:
    """Return the path of the terms file under `data_dir` (default: the data directory of the settings)."""
    return (Path(data_dir) if data_dir else get_settings().data_dir) / TERMS_DIR / TERMS_FILE


def load_vocabulary(data_dir: str | Path | None = None) -> Vocabulary:
    """Return the vocabulary read from `data_dir`/terms/screening_terms.yaml; raise PolicyFileError."""
    path = vocabulary_path(data_dir)
    if not path.exists():
        raise PolicyFileError(str(path), "", "the screening terms file is missing")
    return read_vocabulary(read_yaml(path), str(path))


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    """Return the vocabulary of the project's own data directory, loaded once."""
    return load_vocabulary()
