"""Normalisation of organisation names: width, case, legal forms, punctuation, variants, romaji."""

import pytest

from classifier.rules.names import compact_key, normalise, romanise

SAME_KEY = [
    # (written on the order, as in the data)
    ("ＭＨＩ　Ａｅｒｏ　Ｅｎｇｉｎｅｓ", "MHI Aero Engines"),
    ("Mitsubishi Heavy Industries, Ltd.", "MITSUBISHI HEAVY INDUSTRIES"),
    ("K.K. Subaru", "SUBARU Corporation"),
    ("Kabushiki Kaisha Subaru", "Subaru Co., Ltd."),
    ("J.M.S.D.F.", "JMSDF"),
    ("Japan Maritime Self Defence Force", "Japan Maritime Self-Defense Force"),
    ("MHI Engine and Turbocharger", "MHI Engine & Turbocharger, Ltd."),
    ("三菱重工エンジン＆ターボチャージャ株式会社", "三菱重工エンジン&ターボチャージャ"),
    ("㈱ＩＨＩ", "IHI"),
    ("陆上自卫队", "陸上自衛隊"),
    ("防卫省", "防衛省"),
    ("Bōeishō", "Boueishou"),
    ("かわさき", "カワサキ"),
    ("IHI Group", "IHI"),
]


@pytest.mark.parametrize(("written", "listed"), SAME_KEY)
def test_variants_share_one_key(written, listed):
    assert compact_key(normalise(written)) == compact_key(normalise(listed))


def test_legal_form_leaves_a_boundary_for_the_detail():
    assert normalise("三菱電機株式会社鎌倉製作所") == "三菱電機 鎌倉製作所"


@pytest.mark.parametrize(
    ("japanese", "romaji"),
    [("防衛省", "Boeisho"), ("みつびしじゅうこうぎょう", "Mitsubishi Jukogyo"), ("陸上自衛隊", "Rikujo Jieitai")],
)
def test_japanese_romanises_to_the_hepburn_key(japanese, romaji):
    assert compact_key(romanise(japanese)) == compact_key(normalise(romaji))
