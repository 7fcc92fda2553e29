"""End-user matching against the entity lists: every way a name is written on an order."""

from pathlib import Path

import pytest

from classifier.rules import load_policy
from classifier.rules.matching import BLANK, MATCHED, POSSIBLE, UNIDENTIFIED, UNMATCHED

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
JAPAN = frozenset({"JP"})


@pytest.fixture(scope="module")
def matcher():
    return load_policy(DATA_DIR).matcher


# (end-user as written, expected entity id or None, expected status, expected method or None)
CASES = [
    # English names and abbreviations
    ("Japan Maritime Self-Defense Force", "jp-jmsdf", MATCHED, "exact"),
    ("JMSDF", "jp-jmsdf", MATCHED, "exact"),
    ("J.M.S.D.F.", "jp-jmsdf", MATCHED, "abbreviation"),
    ("JGSDF", "jp-jgsdf", MATCHED, "exact"),
    ("JASDF", "jp-jasdf", MATCHED, "exact"),
    ("JSDF", "jp-jsdf", MATCHED, "exact"),
    ("ATLA", "jp-atla", MATCHED, "exact"),
    ("MOD Japan", "jp-mod", MATCHED, "exact"),
    ("Acquisition, Technology & Logistics Agency", "jp-atla", MATCHED, None),
    ("National Defence Academy", "jp-nda", MATCHED, "normalised"),
    # Kanji, kana, Chinese
    ("海上自衛隊", "jp-jmsdf", MATCHED, "exact"),
    ("海上自卫队", "jp-jmsdf", MATCHED, "normalised"),
    ("かいじょうじえいたい", "jp-jmsdf", MATCHED, "exact"),
    ("防衛省", "jp-mod", MATCHED, "exact"),
    ("日本防卫省", "jp-mod", MATCHED, "exact"),
    ("防卫大学", "jp-nda", MATCHED, "exact"),
    ("三菱重工航空发动机", "mhi-aero-engines", MATCHED, "normalised"),
    ("斯巴鲁", "subaru", MATCHED, "exact"),
    ("スバル", "subaru", MATCHED, "exact"),
    ("日本宇宙航空研究开发机构", "jaxa", MATCHED, "exact"),
    ("川崎重工 航空宇宙システムカンパニー", "khi-aerospace-systems", MATCHED, "exact"),
    # Romaji, with and without long-vowel marks
    ("Kaijou Jieitai", "jp-jmsdf", MATCHED, "normalised"),
    ("Kaijō Jieitai", "jp-jmsdf", MATCHED, "normalised"),
    ("Boueishou", "jp-mod", MATCHED, "normalised"),
    ("Mitsubishi Jūkōgyō", "mhi", MATCHED, "normalised"),
    # Corporate suffixes, odd case, spacing and full width
    ("Mitsubishi Heavy Industries Aero Engines Ltd", "mhi-aero-engines", MATCHED, "normalised"),
    ("SUBARU CORPORATION", "subaru", MATCHED, "normalised"),
    ("K.K. Subaru", "subaru", MATCHED, "normalised"),
    ("ＩＨＩ　Ａｅｒｏｓｐａｃｅ　Ｃｏ．，Ｌｔｄ．", "ihi-aerospace", MATCHED, "normalised"),
    ("ＪＭＳＤＦ", "jp-jmsdf", MATCHED, "abbreviation"),
    ("  mhi   aero   engines  ", "mhi-aero-engines", MATCHED, "normalised"),
    ("IHIエアロスペース", "ihi-aerospace", MATCHED, "normalised"),
    # Typos
    ("Mitsubshi Heavy Industries", "mhi", MATCHED, "fuzzy"),
    ("Kawasaki Heavy Industires", "khi", MATCHED, "fuzzy"),
    ("MHI Aero Engine", "mhi-aero-engines", MATCHED, "fuzzy"),
    ("Japan Maritime Self-Defense Forces", "jp-jmsdf", MATCHED, "fuzzy"),
    ("Mitsubishi Heavy Aero Engines", "mhi-aero-engines", POSSIBLE, "fuzzy"),
    # Unit, base or works attached: resolves to the organisation and keeps the detail
    ("JMSDF Fleet Air Wing 4", "jp-jmsdf", MATCHED, "abbreviation"),
    ("海上自衛隊佐世保地方隊", "jp-jmsdf", MATCHED, "normalised"),
    ("三菱電機株式会社 鎌倉製作所", "melco", MATCHED, "normalised"),
    ("Mitsubishi Electric Corp. Kamakura Works", "melco", MATCHED, "normalised"),
    ("陸上自衛隊 朝霞駐屯地", "jp-jgsdf", MATCHED, "normalised"),
    ("富士通川崎工場", "fujitsu", MATCHED, "normalised"),
    ("JMSDF Sasebo District", "jmsdf-sasebo-district", MATCHED, "exact"),
    ("Komatsu Air Base", "jasdf-komatsu-air-base", MATCHED, "exact"),
    # Listed subsidiary by its own name, parent by its own name
    ("MHI Aero Engines", "mhi-aero-engines", MATCHED, "exact"),
    ("Mitsubishi Heavy Industries", "mhi", MATCHED, "normalised"),
    ("JMU Defense Systems", "jmu-defense-systems", MATCHED, "normalised"),
    # False-positive guards: shared group words are not a match
    ("Mitsubishi UFJ Bank", None, UNMATCHED, None),
    ("三菱UFJ銀行", None, UNMATCHED, None),
    ("Mitsubishi Estate", None, UNMATCHED, None),
    ("Mitsubishi Corporation", None, UNMATCHED, None),
    ("Kawasaki Kisen Kaisha", None, UNMATCHED, None),
    ("川崎汽船", None, UNMATCHED, None),
    ("Fuji Film", None, UNMATCHED, None),
    ("富士フイルム", None, UNMATCHED, None),
    ("富士通信機製造", None, UNMATCHED, None),
    ("Sumitomo Mitsui Banking", None, UNMATCHED, None),
    # A firm named only as a brand or supplier does not identify the end-user
    ("NEC display monitor retailer", "nec", UNIDENTIFIED, "normalised"),
    # Blank and placeholders
    ("", None, BLANK, None),
    ("TBD", None, BLANK, None),
    ("n/a", None, BLANK, None),
    ("未定", None, BLANK, None),
]


@pytest.mark.parametrize(("written", "entity_id", "status", "method"), CASES)
def test_end_user_names_as_written(matcher, written, entity_id, status, method):
    match = matcher.match(written, JAPAN)
    assert (match.entity_id, match.status) == (entity_id, status)
    if method:
        assert match.method == method


@pytest.mark.parametrize(
    ("written", "detail"),
    [
        ("JMSDF Fleet Air Wing 4", "fleet air wing 4"),
        ("三菱電機株式会社 鎌倉製作所", "鎌倉製作所"),
        ("海上自衛隊佐世保地方隊", "佐世保地方隊"),
    ],
)
def test_attached_unit_is_kept_as_detail(matcher, written, detail):
    assert matcher.match(written, JAPAN).detail == detail


def test_fuzzy_match_reports_its_score(matcher):
    match = matcher.match("Mitsubshi Heavy Industries", JAPAN)
    assert 90 <= match.score < 100


@pytest.mark.parametrize(
    ("written", "countries", "entity_id"),
    [
        ("Ministry of Defence", frozenset({"JP"}), "jp-mod"),
        ("Ministry of Defence", frozenset({"GB"}), None),
        ("MOD", frozenset({"DE"}), None),
        ("MOD", frozenset({"JP"}), "jp-mod"),
    ],
)
def test_generic_aliases_need_a_japanese_context(matcher, written, countries, entity_id):
    assert matcher.match(written, countries).entity_id == entity_id
