"""Normalisation of organisation names written in English, Japanese (kanji, kana, romaji) and Chinese."""

from __future__ import annotations

import re
from functools import lru_cache

from classifier.rules.disguise import unmask

# Simplified Chinese and traditional forms folded onto the Japanese shinjitai used in the entity data,
# so that 防卫省 / 防衛省 or 陆上自卫队 / 陸上自衛隊 compare equal.
_VARIANT_PAIRS = (
    "卫衛发発發発动動机機军軍业業电電气気氣気术術统統联連聯連际際开開关関關関设設计計论論备備裝装"
    "陆陸队隊厅庁廳庁广広廣広东東车車转転轉転试試验験驗験导導弹弾彈弾战戦戰戦斗闘鬥闘舰艦两両兩両"
    "产産產産实実實実维維护護边辺邊辺协協會会體体區区县県縣県须須贺賀滨浜濱浜龙竜龍竜义義與与员員"
    "间間对対對対应応應応处処處処务務价価價価传伝傳伝运運输輸种種压圧壓圧质質钢鋼铁鉄鐵鉄线線网網"
    "组組织織纤繊纖繊构構资資贸貿经経經経营営營営总総總総參参谋謀长長门門馆館图図圖図书書园園农農"
    "药薬藥薬醫医疗療师師团団團団层層让譲达達划画劃画环環项項飞飛宫宮岛島冈岡仓倉户戸灣湾泽沢澤沢"
    "纪紀历歴歷歴击撃擊撃侦偵鱼魚炮砲责責學学國国寶宝筑築條条铃鈴录録錄録银銀數数讯訊监監"
)
VARIANT_TABLE = str.maketrans({_VARIANT_PAIRS[i]: _VARIANT_PAIRS[i + 1] for i in range(0, len(_VARIANT_PAIRS), 2)})

# Legal forms removed wherever they stand; each leaves a boundary behind so that
# 三菱電機株式会社鎌倉製作所 reads as 三菱電機 / 鎌倉製作所.
_CJK_LEGAL_FORMS = (
    "国立研究開発法人",
    "独立行政法人",
    "一般社団法人",
    "一般財団法人",
    "公益社団法人",
    "公益財団法人",
    "股份有限公司",
    "有限責任公司",
    "有限公司",
    "株式会社",
    "有限会社",
    "合同会社",
    "合資会社",
    "合名会社",
    "(株)",
    "(有)",
    "公司",
)
_LATIN_LEGAL_PHRASES = re.compile(r"\b(?:kabushiki[ -]?[kg]aisha|yugen[ -]?[kg]aisha|company limited)\b")
_LATIN_LEGAL_TOKENS = frozenset(
    {"co", "ltd", "limited", "inc", "incorporated", "corp", "corporation", "kk", "plc", "llc", "pte", "gmbh"}
)
# Only at the end of a name: "Kawasaki ... Aerospace Systems Company", "IHI Group".
_TRAILING_LEGAL_TOKENS = frozenset({"company", "group", "グループ", "集団"})

_SPELLING = (("defence", "defense"), ("centre", "center"), ("organisation", "organization"), ("programme", "program"))
_DOTTED_INITIALS = re.compile(r"\b(?:[a-z]\.){2,}(?:[a-z]\b\.?)?")
_SEPARATORS = re.compile(r"[\s\-‐‑–—_/\\|,;:.'\"`‘’“”()\[\]{}<>!?*#@~^=+・、。「」『』【】〔〕《》〈〉]+")
_LATIN_LONG_VOWELS = (("ou", "o"), ("oo", "o"), ("uu", "u"))
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヵヶ]")
_KANA = re.compile(r"[\u3040-\u30ff]")

# Words shared by many unrelated firms: an alias that is only one of these would match them all.
COMMON_NAME_WORDS = frozenset(
    {
        "mitsubishi",
        "三菱",
        "kawasaki",
        "川崎",
        "fuji",
        "富士",
        "sumitomo",
        "住友",
        "mitsui",
        "三井",
        "nippon",
        "nihon",
        "日本",
        "japan",
        "japanese",
        "tokyo",
        "東京",
    }
)


def has_cjk(text: str) -> bool:
    """Return True if the text holds kanji/hanzi or kana."""
    return bool(_CJK.search(text))


def has_kana(text: str) -> bool:
    """Return True if the text holds hiragana or katakana (so it is Japanese, not Chinese)."""
    return bool(_KANA.search(text))


def _hiragana_to_katakana(text: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in text)


def fold_text(text: str) -> str:
    """Return text unmasked (invisible characters, stray marks, look-alikes), with width, case, accents, Chinese
    variants, kana script and British spelling folded."""
    text = unmask(text or "").text.casefold()
    text = _hiragana_to_katakana(text.translate(VARIANT_TABLE))
    for british, american in _SPELLING:
        text = text.replace(british, american)
    return text


@lru_cache(maxsize=8192)
def normalise(text: str) -> str:
    """Return the name folded for comparison: width, case, variants, legal forms, punctuation, spacing."""
    text = fold_text(text)
    for form in _CJK_LEGAL_FORMS:
        text = text.replace(form, " ")
    text = text.replace("&", " and ")
    text = _DOTTED_INITIALS.sub(lambda m: m.group(0).replace(".", ""), text)
    text = _LATIN_LEGAL_PHRASES.sub(" ", text)
    tokens = [token for token in _SEPARATORS.split(text) if token and token not in _LATIN_LEGAL_TOKENS]
    while len(tokens) > 1 and tokens[-1] in _TRAILING_LEGAL_TOKENS:
        tokens.pop()
    return " ".join(tokens)


def fold_token(token: str) -> str:
    """Return a token with romaji long vowels folded (Bōeishō, Boueishou, Boeisho compare equal)."""
    for long, short in _LATIN_LONG_VOWELS:
        token = token.replace(long, short)
    return token


def compact_key(normalised: str) -> str:
    """Return the comparison key of a normalised name: folded tokens joined without spaces."""
    return "".join(fold_token(token) for token in normalised.split(" "))


@lru_cache(maxsize=1)
def _romaniser():
    import cutlet

    return cutlet.Cutlet()


@lru_cache(maxsize=8192)
def romanise(text: str) -> str:
    """Return Hepburn romaji for Japanese text (via cutlet), normalised; other text is returned normalised."""
    if not has_cjk(text):
        return normalise(text)
    folded = unmask(text).text.translate(VARIANT_TABLE)
    for form in _CJK_LEGAL_FORMS:
        folded = folded.replace(form, " ")
    return normalise(_romaniser().romaji(folded))
