"""End-user matching: an order's end-user name against the entity lists, with the alias, method and score."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

import ahocorasick
from rapidfuzz import fuzz, process

from classifier.rules.entities import Alias, Entity
from classifier.rules.names import COMMON_NAME_WORDS, compact_key, fold_token, has_cjk, normalise, romanise

MATCHED = "matched"
POSSIBLE = "possible"
BLANK = "blank"
UNIDENTIFIED = "unidentified"
UNMATCHED = "unmatched"

CONFIRM_SCORE = 90.0
POSSIBLE_SCORE = 80.0
# fuzz.ratio is at most 200 * len(key) / (len(query) + len(key)), so a query longer than 1.5 times the longest
# key scores below POSSIBLE_SCORE against every key: longer runs of leading words need no fuzzy comparison.
FUZZY_LENGTH_RATIO = 2 * 100 / POSSIBLE_SCORE - 1
# Match results kept per matcher; each holds at most one capped end-user name.
MATCH_CACHE_SIZE = 8192
# Two words at least this similar count as one word with a typo.
WORD_TYPO_SCORE = 84.0
# Short keys (abbreviations, two-kanji names) are matched exactly only: a typo of "IHI" is not evidence.
MIN_FUZZY_KEY = {"latin": 8, "cjk": 4}
# A CJK alias of three characters or fewer followed directly by more text (富士通 in 富士通信機) is
# accepted only when the rest reads as a works, base or unit of that organisation.
MIN_ATTACHED_CJK_ALIAS = 4
# In free text (the stated end-use) a CJK name may stand anywhere in a sentence; two-character short forms
# (川重, 陸自) are too common as parts of other words (四川重工, 上海自贸区, 真空自動) to count there unless they stand
# apart: a token edge, a non-ideograph, the country prefix, or one of these characters on each side.
MIN_CJK_KEY_IN_TEXT = 3
_SHORT_NAME_BEFORE = frozenset(normalise("于向対給供為"))
_SHORT_NAME_AFTER = frozenset(normalise("向用使納殿様機艦隊員基部所長"))
_IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々]")
_UNIT_ENDINGS = tuple(
    normalise(word)
    for word in (
        "製作所",
        "工場",
        "工厂",
        "事業所",
        "事業部",
        "本社",
        "支社",
        "支店",
        "営業所",
        "本部",
        "研究所",
        "研究センター",
        "センター",
        "中心",
        "分公司",
        "造船所",
        "地方隊",
        "方面隊",
        "基地",
        "分屯基地",
        "駐屯地",
        "部隊",
        "航空団",
        "航空隊",
        "師団",
        "旅団",
        "連隊",
        "艦隊",
        "補給処",
        "学校",
        "病院",
        "共済組合",
    )
)
# Country words that may precede a name without a space: 日本防衛省, 日本海上自衛隊.
_COUNTRY_PREFIXES = tuple(normalise(word) for word in ("日本国", "日本"))
# Words saying the named organisation is a brand or supplier, not the end-user: "NEC display monitor retailer".
_INTERMEDIARY_WORDS = frozenset(
    "retailer retailers reseller resellers dealer dealers distributor distributors agent agents customer "
    "customers client clients shop store stores buyer buyers".split()
)
_INTERMEDIARY_CJK = tuple(
    normalise(word) for word in ("代理店", "販売店", "特約店", "小売", "经销商", "代理商", "零售", "客户", "顧客")
)
# Written on orders instead of a name; compared by key, so case, spacing and punctuation do not matter.
_PLACEHOLDERS = frozenset(
    compact_key(normalise(word))
    for word in (
        "-",
        "n/a",
        "none",
        "nil",
        "unknown",
        "tbd",
        "tba",
        "tbc",
        "to be advised",
        "to be confirmed",
        "various",
        "various customers",
        "end user",
        "end-user",
        "customer",
        "customers",
        "stock",
        "for stock",
        "xxx",
        "未定",
        "不明",
        "なし",
        "無",
        "无",
        "未知",
        "待定",
        "各種",
        "多数",
        "その他",
        "其他",
    )
)


@dataclass(frozen=True)
class AliasKey:
    """An alias of an entity with the key it is compared by; `romanised` when the key is its romaji reading."""

    entity_id: str
    alias: Alias
    key: str
    words: tuple[str, ...]
    romanised: bool


@dataclass(frozen=True)
class EndUserMatch:
    """The outcome of matching one end-user name: status, entity, alias, method, score and leftover detail."""

    status: str
    query: str
    entity_id: str | None = None
    alias: str | None = None
    alias_kind: str | None = None
    method: str | None = None
    score: float = 0.0
    detail: str = ""
    span_key: str = ""

    def as_dict(self) -> dict:
        """Return the match fields for reasons and output rows."""
        return {
            "alias": self.alias,
            "alias_kind": self.alias_kind,
            "method": self.method,
            "score": round(self.score, 1),
            "detail": self.detail,
        }


def _script(key: str) -> str:
    return "cjk" if has_cjk(key) else "latin"


def typo_score(query_words: tuple[str, ...], alias_words: tuple[str, ...]) -> float:
    """Return the similarity (0-100) of two names, or 0 when the query has a word the alias lacks.

    A typo changes letters inside words ("Industires"); a different word ("Mitsubishi Estate" against
    "Mitsubishi Electric", "Kawasaki Kisen" against "Kawasaki Jukogyo") means a different organisation,
    however much of the name is shared.
    """
    unexplained = [word for word in alias_words if word not in query_words]
    for word in query_words:
        if word not in alias_words and not any(fuzz.ratio(word, other) >= WORD_TYPO_SCORE for other in unexplained):
            return 0.0
    return fuzz.ratio("".join(query_words), "".join(alias_words))


class EndUserMatcher:
    """Matches end-user names against every alias of every entity, in time linear in the length of the name.

    One Aho-Corasick pass over the name's tokens finds every alias key; CJK aliases written with a unit attached
    are looked up among prefixes no longer than the longest key; fuzzy comparison runs only on the runs of
    leading words short enough to score as a typo of some key.
    """

    def __init__(self, entities: dict[str, Entity]) -> None:
        self.entities = entities
        self._by_key: dict[str, AliasKey] = {}
        for entity in entities.values():
            for alias in entity.aliases:
                self._add(entity.id, alias, normalise(alias.text), romanised=False)
        for entity in entities.values():
            for alias in entity.aliases:
                if has_cjk(alias.text) and alias.kind != "zh":
                    self._add(entity.id, alias, romanise(alias.text), romanised=True)
        self._longest_key = max(len(key) for key in self._by_key)
        self._cjk_keys = frozenset(key for key in self._by_key if has_cjk(key) and len(key) >= MIN_CJK_KEY_IN_TEXT)
        self._short_cjk_keys = frozenset(
            key for key in self._by_key if has_cjk(key) and len(key) == MIN_CJK_KEY_IN_TEXT - 1
        )
        self._fuzzy_keys = [key for key in self._by_key if len(key) >= MIN_FUZZY_KEY[_script(key)]]
        self._longest_fuzzy_query = int(FUZZY_LENGTH_RATIO * max(len(key) for key in self._fuzzy_keys))
        self._automaton = ahocorasick.Automaton()
        for key in self._by_key:
            self._automaton.add_word(key, key)
        self._automaton.make_automaton()
        self._cached_match = lru_cache(maxsize=MATCH_CACHE_SIZE)(self._match)

    def _add(self, entity_id: str, alias: Alias, normalised: str, romanised: bool) -> None:
        words = tuple(fold_token(word) for word in normalised.split(" "))
        key = "".join(words)
        self._by_key.setdefault(key, AliasKey(entity_id, alias, key, words, romanised))

    def match(self, end_user: str | None, context_countries: frozenset[str] = frozenset()) -> EndUserMatch:
        """Return the best match of `end_user`; generic aliases count only for entities of `context_countries`."""
        return self._cached_match(end_user or "", frozenset(context_countries))

    def names_in_text(self, text: str | None, context_countries: frozenset[str] = frozenset()) -> list[EndUserMatch]:
        """Return the entities a free text (such as the stated end-use) names exactly, one match per entity."""
        normalised = normalise(text or "")
        tokens = normalised.split(" ") if normalised else []
        windows, anywhere = self._scan(tokens)
        found = self._exact_windows(tokens, windows, text or "", via_romaji=False)
        found += [self._found(self._by_key[key], "normalised", 100.0, []) for key in anywhere]
        by_entity: dict[str, EndUserMatch] = {}
        for match in found:
            if match.alias_kind == "generic" and self.entities[match.entity_id].country not in context_countries:
                continue
            by_entity.setdefault(match.entity_id, replace(match, query=text or "", detail=""))
        return list(by_entity.values())

    def _match(self, end_user: str, context_countries: frozenset[str]) -> EndUserMatch:
        query = end_user.strip()
        normalised = normalise(query)
        if compact_key(normalised) in _PLACEHOLDERS:
            return EndUserMatch(BLANK, query)
        candidates = self._candidates(normalised, query, via_romaji=False)
        if not candidates and has_cjk(normalised):
            candidates = self._candidates(romanise(query), query, via_romaji=True)
        candidates = [
            candidate
            for candidate in candidates
            if candidate.alias_kind != "generic" or self.entities[candidate.entity_id].country in context_countries
        ]
        if not candidates:
            return EndUserMatch(UNMATCHED, query)
        best = max(candidates, key=lambda c: (c.score >= CONFIRM_SCORE, len(c.span_key) * c.score / 100, c.score))
        status = UNIDENTIFIED if _names_intermediary(best.detail) else best.status
        return replace(best, status=status, query=query)

    def _candidates(self, normalised: str, query: str, via_romaji: bool) -> list[EndUserMatch]:
        tokens = normalised.split(" ") if normalised else []
        windows, _ = self._scan(tokens)
        candidates = self._exact_windows(tokens, windows, query, via_romaji) + self._attached_cjk(tokens)
        whole = compact_key(normalised)
        if not any(candidate.span_key == whole for candidate in candidates):
            candidates += self._fuzzy(tokens)
        return candidates

    def _found(self, alias_key: AliasKey, method: str, score: float, detail_tokens: list[str]) -> EndUserMatch:
        status = MATCHED if score >= CONFIRM_SCORE else POSSIBLE
        return EndUserMatch(
            status,
            "",
            alias_key.entity_id,
            alias_key.alias.text,
            alias_key.alias.kind,
            method,
            score,
            " ".join(token for token in detail_tokens if token),
            alias_key.key,
        )

    def _scan(self, tokens: list[str]) -> tuple[dict[str, tuple[int, int]], list[str]]:
        """Return the first run of whole tokens (start, end) equal to each alias key, and the CJK keys that occur
        anywhere (at least MIN_CJK_KEY_IN_TEXT long), from one Aho-Corasick pass over the folded tokens."""
        keys = [fold_token(token) for token in tokens]
        starts: dict[int, int] = {}
        ends: dict[int, int] = {}
        offset = 0
        for index, key in enumerate(keys):
            starts.setdefault(offset, index)
            offset += len(key)
            ends[offset] = index + 1
        windows: dict[str, tuple[int, int]] = {}
        anywhere: dict[str, int] = {}
        joined = "".join(keys)
        for last, key in self._automaton.iter(joined):
            first = last + 1 - len(key)
            if key in self._cjk_keys or (
                key in self._short_cjk_keys and _stands_apart(joined, first, last + 1, starts, ends)
            ):
                anywhere.setdefault(key, first)
            if key not in windows and first in starts and last + 1 in ends:
                windows[key] = (starts[first], ends[last + 1])
        return windows, sorted(anywhere, key=anywhere.__getitem__)

    def _exact_windows(
        self, tokens: list[str], windows: dict[str, tuple[int, int]], query: str, via_romaji: bool
    ) -> list[EndUserMatch]:
        """Return aliases equal to a run of whole tokens (the first run for each), the rest kept as detail."""
        found = []
        for key, (start, end) in sorted(windows.items(), key=lambda item: item[1]):
            alias_key = self._by_key[key]
            whole = start == 0 and end == len(tokens)
            if via_romaji or alias_key.romanised:
                method = "romanised"
            elif whole and query == alias_key.alias.text:
                method = "exact"
            elif alias_key.alias.kind == "abbr":
                method = "abbreviation"
            else:
                method = "normalised"
            found.append(self._found(alias_key, method, 100.0, tokens[:start] + tokens[end:]))
        return found

    def _attached_cjk(self, tokens: list[str]) -> list[EndUserMatch]:
        """Return CJK aliases written with a unit or works name attached (海上自衛隊佐世保地方隊), the first of each."""
        found = []
        seen: set[str] = set()
        # fold_token at most halves a run of letters, so no longer prefix can fold to a key.
        longest_prefix = 2 * self._longest_key
        for index, token in enumerate(tokens):
            if not has_cjk(token):
                continue
            starts = [0] + [len(prefix) for prefix in _COUNTRY_PREFIXES if token.startswith(prefix)]
            for start in starts:
                for end in range(start + 2, min(len(token) + (start > 0), start + longest_prefix + 1)):
                    alias_key = self._by_key.get(fold_token(token[start:end]))
                    if alias_key is None or alias_key.key in seen:
                        continue
                    rest = token[end:]
                    if rest and len(alias_key.key) < MIN_ATTACHED_CJK_ALIAS and not rest.endswith(_UNIT_ENDINGS):
                        continue
                    seen.add(alias_key.key)
                    detail = tokens[:index] + [rest] + tokens[index + 1 :]
                    found.append(self._found(alias_key, "normalised", 100.0, detail))
        return found

    def _fuzzy(self, tokens: list[str]) -> list[EndUserMatch]:
        """Return near-misses (typos) of the whole name or of its leading words, scored 0-100.

        Only runs of leading words no longer than the longest key allows are compared, so the work is bounded
        whatever the length of the name.
        """
        found = []
        folded = [fold_token(token) for token in tokens]
        longest_run, length = 0, 0
        while longest_run < len(folded) and length + len(folded[longest_run]) <= self._longest_fuzzy_query:
            length += len(folded[longest_run])
            longest_run += 1
        for end in range(longest_run, 0, -1):
            words = tuple(folded[:end])
            query = "".join(words)
            if len(query) < MIN_FUZZY_KEY[_script(query)]:
                break
            if all(word in COMMON_NAME_WORDS for word in words):
                continue
            for key, _, _ in process.extract(
                query, self._fuzzy_keys, scorer=fuzz.ratio, score_cutoff=POSSIBLE_SCORE, limit=5
            ):
                score = typo_score(words, self._by_key[key].words)
                if score >= POSSIBLE_SCORE:
                    found.append(self._found(self._by_key[key], "fuzzy", score, tokens[end:]))
        return found


def _stands_apart(text: str, start: int, end: int, starts: dict[int, int], ends: dict[int, int]) -> bool:
    """Return True if a two-character name at text[start:end] is not part of a longer word (see MIN_CJK_KEY_IN_TEXT)."""
    before = (
        start == 0
        or start in ends
        or not _IDEOGRAPH.match(text[start - 1])
        or text[start - 1] in _SHORT_NAME_BEFORE
        or text[:start].endswith(_COUNTRY_PREFIXES)
    )
    after = end in starts or end == len(text) or not _IDEOGRAPH.match(text[end]) or text[end] in _SHORT_NAME_AFTER
    return before and after


def _names_intermediary(detail: str) -> bool:
    """Return True if the leftover words say the end-user is a seller or customer of the named firm."""
    return bool(set(detail.split()) & _INTERMEDIARY_WORDS) or any(word in detail for word in _INTERMEDIARY_CJK)
