"""Reading the stated end-use: military wording in English, Chinese and Japanese, or wording too vague to rely on."""

from __future__ import annotations

import re
from dataclasses import dataclass

from classifier.rules.names import fold_text

MILITARY = "military"
VAGUE = "vague"
CIVILIAN = "civilian"

_MILITARY_WORDS_EN = re.compile(
    r"\b(?:militar\w*|defense|self defense forces?|armed forces?|army|navy|naval|air force|jsdf|jgsdf|jmsdf|jasdf|"
    r"sdf|weapons?|weaponry|armaments?|munitions?|ammunition|ordnance|missiles?|warheads?|torpedo(?:es)?|"
    r"artillery|howitzers?|ballistic|warships?|frigates?|destroyers?|submarines?|aircraft carriers?|corvettes?|"
    r"minesweepers?|fighter (?:jets?|aircraft|planes?)|bombers?|combat|warfare|battle\w*|tactical|"
    r"reconnaissance|patrol (?:aircraft|planes?)|interceptors?|troops?|soldiers?|armou?red vehicles?|c4isr)\b"
)
# Written as they appear in orders; folded at import so that simplified, traditional and Japanese forms agree.
_MILITARY_WORDS_CJK = tuple(
    fold_text(word)
    for word in (
        "自衛隊", "防衛", "国防", "軍用", "军用", "軍事", "军事", "軍隊", "军队", "軍需", "陸軍", "海軍", "空軍",
        "兵器", "武器", "ミサイル", "导弹", "誘導弾", "弾薬", "弹药", "戦闘", "战斗", "潜水艦", "潜艇", "護衛艦",
        "驱逐舰", "軍艦", "军舰", "艦艇", "舰艇", "哨戒機", "巡逻机", "戦車", "坦克", "魚雷", "鱼雷", "弾道", "弹道",
        "迎撃", "拦截", "偵察", "侦察", "作戦", "作战", "部隊", "部队", "爆撃", "轰炸",
    )
)
# A clause that denies ("not for military use", "except JSDF", 非军事用途, 防衛用途ではない) is left out before
# looking for military wording or named end-users. "No." before a number is a part number, not a denial.
_CLAUSE_BREAK = re.compile(r"[.;,:!?。；，、！？\n]+")
_DENIAL_EN = re.compile(
    r"\b(?:not|never|without|exclud\w*|except)\b|\bno\b(?!\s*\d)|\bnon\s?(?:military|defense|weapons?)\b"
)
_DENIAL_CJK = tuple(
    fold_text(word)
    for word in (
        "不用于", "不用於", "不得用于", "不得用於", "不会用于", "禁止用于", "不供", "非軍", "非军", "非国防", "非防衛",
        "非防卫", "以外", "しない", "ません", "ではない", "禁止",
    )
)
_VAGUE_WORDS_EN = frozenset(
    "general generic use uses usage used purpose purposes various misc miscellaneous other others stock inventory "
    "resale resell trading trade sale sales distribution na n a none unknown tbd tba tbc industrial industry research "
    "r d rd development test testing sample samples production manufacturing application applications project "
    "projects for the of and in to an end customer customers all any as needed spare spares parts".split()
)
_VAGUE_WORDS_CJK = tuple(
    sorted(
        (fold_text(word) for word in (
            "一般", "汎用", "通用", "各種", "各种", "其他", "其它", "その他", "在庫", "库存", "転売", "转售", "再販",
            "販売", "销售", "研究", "開発", "开发", "研发", "試験", "测试", "試作", "生産", "生产", "製造", "制造",
            "工業", "工业", "産業", "产业", "科研", "実験", "实验", "部品", "備品", "予備", "备件", "未定", "不明",
            "待定", "用途", "使用", "目的", "向け", "及び", "など", "用", "の", "和", "等", "无", "無", "なし",
        )),
        key=len,
        reverse=True,
    )
)
_TOKEN = re.compile(r"[a-z0-9]+")
_HYPHENS = re.compile(r"[-‐‑–—_]")


@dataclass(frozen=True)
class EndUseAssessment:
    """What the stated end-use says: military, vague or civilian, and the words that showed it."""

    kind: str
    terms: tuple[str, ...]

    def explain(self) -> str:
        """Return a one-line explanation of the assessment."""
        if self.kind == MILITARY:
            return f"stated end-use has military wording: {', '.join(self.terms)}"
        if self.kind == VAGUE:
            return "stated end-use is blank" if not self.terms else (
                f"stated end-use says nothing specific: {', '.join(self.terms)}"
            )
        return "stated end-use is civilian and specific"


def _folded(text: str | None) -> str:
    return _HYPHENS.sub(" ", fold_text(text or ""))


def affirmed_text(text: str | None) -> str:
    """Return the folded text without its denying clauses, one clause a line."""
    clauses = _CLAUSE_BREAK.split(_folded(text))
    return "\n".join(
        clause.strip() for clause in clauses
        if clause.strip() and not _DENIAL_EN.search(clause) and not any(word in clause for word in _DENIAL_CJK)
    )


def assess_end_use(text: str | None) -> EndUseAssessment:
    """Return whether the stated end-use is military, vague (blank or only general words) or civilian."""
    folded = _folded(text)
    if not folded.strip():
        return EndUseAssessment(VAGUE, ())
    affirmed = affirmed_text(text)
    military = [m.group(0) for m in _MILITARY_WORDS_EN.finditer(affirmed)]
    military += [word for word in _MILITARY_WORDS_CJK if word in affirmed]
    if military:
        return EndUseAssessment(MILITARY, tuple(dict.fromkeys(military)))
    rest = folded
    for word in _VAGUE_WORDS_CJK:
        rest = rest.replace(word, " ")
    tokens = _TOKEN.findall(rest)
    leftover = _TOKEN.sub(" ", rest)
    if all(token in _VAGUE_WORDS_EN for token in tokens) and not re.sub(r"[\W_]+", "", leftover):
        return EndUseAssessment(VAGUE, (text.strip(),))
    return EndUseAssessment(CIVILIAN, ())
