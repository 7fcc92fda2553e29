"""Reading the stated end-use: military wording in English, Chinese and Japanese, or wording too vague to rely on.

Military terms are read in context (a civilian sense of the same word, such as "navy blue", does not count), a
denial takes back only what it governs, and a military use is placed in Japan when a Japan word qualifies it.
The vocabulary is data (data/terms/screening_terms.yaml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from classifier.rules.names import fold_text, has_kana
from classifier.rules.vocabulary import Vocabulary, default_vocabulary

MILITARY = "military"
VAGUE = "vague"
CIVILIAN = "civilian"

# Clauses are split at punctuation and brackets; within a clause a denial takes back only what it governs.
_CLAUSE_BREAK = re.compile(r"[.;,:!?。；，、！？\n()\[\]（）【】「」]+")
# A Japan word this close (in characters) to a military term says whose military use it is: "Japanese air force".
JAPAN_WORD_REACH = 16
_VAGUE_WORDS_EN = frozenset(
    "general generic use uses usage used purpose purposes various misc miscellaneous other others stock inventory "
    "resale resell trading trade sale sales distribution na n a none unknown tbd tba tbc industrial industry research "
    "r d rd development test testing sample samples production manufacturing application applications project "
    "projects for the of and in to an end customer customers all any as needed spare spares parts".split()
)
_VAGUE_WORDS_CJK = tuple(
    sorted(
        (
            fold_text(word)
            for word in (
                "一般",
                "汎用",
                "通用",
                "各種",
                "各种",
                "其他",
                "其它",
                "その他",
                "在庫",
                "库存",
                "転売",
                "转售",
                "再販",
                "販売",
                "销售",
                "研究",
                "開発",
                "开发",
                "研发",
                "試験",
                "测试",
                "試作",
                "生産",
                "生产",
                "製造",
                "制造",
                "工業",
                "工业",
                "産業",
                "产业",
                "科研",
                "実験",
                "实验",
                "部品",
                "備品",
                "予備",
                "备件",
                "未定",
                "不明",
                "待定",
                "用途",
                "使用",
                "目的",
                "向け",
                "及び",
                "など",
                "用",
                "の",
                "和",
                "等",
                "无",
                "無",
                "なし",
            )
        ),
        key=len,
        reverse=True,
    )
)
_TOKEN = re.compile(r"[a-z0-9]+")
_HYPHENS = re.compile(r"[-‐‑–—_]")


@dataclass(frozen=True)
class EndUseAssessment:
    """What the stated end-use says: military, vague or civilian, the words that showed it, and where (JP)."""

    kind: str
    terms: tuple[str, ...]
    countries: frozenset[str] = frozenset()

    def explain(self) -> str:
        """Return a one-line explanation of the assessment."""
        if self.kind == MILITARY:
            where = " (a Japanese military use)" if "JP" in self.countries else ""
            return f"stated end-use has military wording{where}: {', '.join(self.terms)}"
        if self.kind == VAGUE:
            return (
                "stated end-use is blank"
                if not self.terms
                else (f"stated end-use says nothing specific: {', '.join(self.terms)}")
            )
        return "stated end-use is civilian and specific"


def _folded(text: str | None) -> str:
    return _HYPHENS.sub(" ", fold_text(text or ""))


def affirmed_text(text: str | None, vocabulary: Vocabulary | None = None) -> str:
    """Return the folded text without what its denials govern, one clause a line."""
    vocabulary = vocabulary or default_vocabulary()
    clauses = (vocabulary.affirmed(clause) for clause in _CLAUSE_BREAK.split(_folded(text)))
    return "\n".join(clause for clause in clauses if clause)


def _places_in_japan(clause: str, vocabulary: Vocabulary) -> bool:
    """Return True if the military terms of an affirmed clause are qualified by Japan (and no other country)."""
    if vocabulary.names_foreign_country(clause):
        return False
    if has_kana(clause):
        return True
    japan = vocabulary.japan_words(clause)
    return any(
        min(abs(term.start - word.end), abs(word.start - term.end)) <= JAPAN_WORD_REACH
        for term in vocabulary.military_terms(clause)
        for word in japan
    )


def assess_end_use(text: str | None, vocabulary: Vocabulary | None = None) -> EndUseAssessment:
    """Return whether the stated end-use is military, vague (blank or only general words) or civilian."""
    vocabulary = vocabulary or default_vocabulary()
    folded = _folded(text)
    if not folded.strip():
        return EndUseAssessment(VAGUE, ())
    clauses = affirmed_text(text, vocabulary).split("\n")
    military = [term.text for clause in clauses for term in vocabulary.military_terms(clause)]
    if military:
        in_japan = any(vocabulary.military_terms(clause) and _places_in_japan(clause, vocabulary) for clause in clauses)
        return EndUseAssessment(MILITARY, tuple(dict.fromkeys(military)), frozenset({"JP"} if in_japan else ()))
    rest = folded
    for word in _VAGUE_WORDS_CJK:
        rest = rest.replace(word, " ")
    tokens = _TOKEN.findall(rest)
    leftover = _TOKEN.sub(" ", rest)
    if all(token in _VAGUE_WORDS_EN for token in tokens) and not re.sub(r"[\W_]+", "", leftover):
        return EndUseAssessment(VAGUE, (text.strip(),))
    return EndUseAssessment(CIVILIAN, ())
