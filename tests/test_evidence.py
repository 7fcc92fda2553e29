import random

import pytest

from classifier.entries.quantities import extract_quantities
from classifier.evidence import LONG_RUN, evidence_spans, explain, text_units
from classifier.text import normalise_for_features

EN = (
    "Fibre-optic gyro FOG-3000, bias stability 0.005 deg/h, angle random walk 0.001°/√h, MIL-STD-810G qualified; "
    "12.8 GSPS converter with 6 GHz of instantaneous bandwidth, 1,000 m depth rating, 1×10⁻⁹ Pa·m³/s leak rate."
)
ZH = (
    "光纤陀螺仪 零偏稳定性≤0.01°/h 惯导用 三轴一体化设计；工作温度-55~+85℃，质量1.2kg。"
    "碳纖維預浸料 T800級 中模量，幅宽15公里，含税￥3,200"
)
JA = (
    "冷却型長波赤外線カメラ 型番：LWT-1280 検出器 タイプⅡ超格子（T2SL）、画素ピッチ12μm、感度波長8～10μm。"
    "三軸光ファイバジャイロ バイアス安定性 0.01°/h以下、ﾎｯﾄｾﾙ用ﾏｽﾀｰｽﾚｰﾌﾞﾏﾆﾌﾟﾚｰﾀ、UF6対応 ベローズシール弁"
)
NUMBER_JOINERS = set(".,")


def _kind(char: str) -> str | None:
    code = ord(char)
    if 0x3040 <= code <= 0x309F:
        return "hiragana"
    if 0x30A0 <= code <= 0x30FF and char != "・" or 0xFF66 <= code <= 0xFF9F:
        return "katakana"
    if 0x4E00 <= code <= 0x9FFF:
        return "han"
    return "alnum" if char.isalnum() else None


def _cuts(text: str, position: int, quantity_edges: set[int]) -> bool:
    """Return True when a span boundary at position falls inside a word, a number or a run of one CJK script."""
    if position <= 0 or position >= len(text) or position in quantity_edges:
        return False
    before, after = text[position - 1], text[position]
    if _kind(before) is not None and _kind(before) == _kind(after):
        return True
    if after in NUMBER_JOINERS and before.isdigit() and position + 1 < len(text) and text[position + 1].isdigit():
        return True
    return before in NUMBER_JOINERS and after.isdigit() and position > 1 and text[position - 2].isdigit()


def _fragments(text: str, length: int, count: int, seed: int) -> list[tuple[str, str, float]]:
    """Return n-gram features cut at random places of the folded text: the fragments a char n-gram model weighs."""
    folded = normalise_for_features(text)
    rng = random.Random(seed)
    starts = [rng.randrange(0, len(folded) - length) for _ in range(count)]
    return [("char", folded[start : start + length], rng.uniform(0.1, 2.0)) for start in starts]


@pytest.mark.parametrize("text", [EN, ZH, JA], ids=["en", "zh", "ja"])
@pytest.mark.parametrize("label", [None, "navigation_avionics", "electronics", "sensors_lasers"])
def test_no_span_starts_or_ends_inside_a_word_or_a_number(text, label):
    edges = {edge for q in extract_quantities(text) for edge in (q.start, q.end)}
    for seed in range(40):
        for length in (2, 3, 5):
            for span in evidence_spans(text, _fragments(text, length, 6, seed), label=label):
                assert span == span.strip() and span in text
                start = text.find(span)
                while start != -1:
                    assert not _cuts(text, start, edges), (span, text[max(0, start - 5) : start + len(span) + 5])
                    assert not _cuts(text, start + len(span), edges), (span, text[start : start + len(span) + 5])
                    start = text.find(span, start + 1)


@pytest.mark.parametrize(
    "text, fragment, whole",
    [
        ("光纤陀螺仪 零偏稳定性0.01°/h 惯导", "定性0", "零偏稳定性0.01°/h"),  # not "零偏稳定性0"
        ("光纤陀螺仪 零偏稳定性0.01°/h 惯导", "01", "0.01°/h"),  # not "01"
        ("光纤陀螺仪 零偏稳定性0.01°/h 惯导", "仪", "光纤陀螺仪"),  # one Han character selects its run
        ("Fibre-optic gyro, bias stability 0.005 deg/h", "ro, b", "gyro"),
        ("Fibre-optic gyro, bias stability 0.005 deg/h", "0.00", "0.005 deg/h"),
        ("Our 12-bit, 12.8 GSPS converter eliminates mixer stages", "gsps", "12.8 GSPS"),
        ("ヘリウムリーク 1×10⁻⁹ Pa·m³/s以下", "m³/s", "1×10⁻⁹ Pa·m³/s"),
        ("UF6対応 ベローズシール弁 モネル製", "シール", "ベローズシール弁"),
    ],
)
def test_a_fragment_selects_the_whole_term_or_quantity(text, fragment, whole):
    spans = evidence_spans(text, [("char", normalise_for_features(fragment), 1.0)])
    assert whole in spans or any(whole in span for span in spans), spans


@pytest.mark.parametrize(
    "text, label, span",
    [
        ("光纤陀螺仪 零偏稳定性≤0.01°/h 惯导", "navigation_avionics", "零偏稳定性≤0.01°/h"),
        (
            "Fibre-optic gyro, bias stability 0.005 deg/h, for aircraft",
            "navigation_avionics",
            "bias stability 0.005 deg/h",
        ),
        (
            "三軸光ファイバジャイロ バイアス安定性 0.01°/h以下 航空機用",
            "navigation_avionics",
            "バイアス安定性 0.01°/h以下",
        ),
        ("Wideband ADC board, sample rate 1 GSPS, for SDR", "electronics", "sample rate 1 GSPS"),
    ],
)
def test_a_stated_parameter_of_the_label_comes_first_as_keyword_and_quantity(text, label, span):
    assert evidence_spans(text, [("word", "gyro", 1.0), ("word", "for", 0.5)], label=label)[0] == span


def test_a_parameter_that_meets_a_threshold_comes_before_one_below():
    text = "MEMS IMU, accelerometer bias 50 mg, gyro bias instability 0.5 deg/h"
    spans = evidence_spans(text, [], label="navigation_avionics")
    assert spans == [
        "bias instability 0.5 deg/h",
        "bias 50 mg",
    ]  # meets "less than 4 degrees per hour"; 50 mg is above 130 micro g


def test_spans_come_from_the_original_text_strongest_first():
    text = "Fibre-optic gyro, bias stability 0.005 deg/h"
    spans = evidence_spans(text, [("word", "stability", 0.4), ("word", "optic gyro", 2.0)])
    assert spans == ["Fibre-optic gyro", "stability 0.005 deg/h"]


def test_a_word_pair_segmented_out_of_chinese_is_found_without_its_space():
    text = "光纤陀螺仪 零偏稳定性0.01°/h 惯导"
    assert evidence_spans(text, [("word", "稳定 性", 1.0), ("word", "惯导", 0.5)]) == ["零偏稳定性0.01°/h", "惯导"]


def test_full_width_text_is_matched_through_its_normalised_form():
    text = "ﾎｯﾄｾﾙ用ﾏｽﾀｰｽﾚｰﾌﾞﾏﾆﾌﾟﾚｰﾀ"  # longer than LONG_RUN: cut into runs of one script
    assert evidence_spans(text, [("word", "ホット セル", 1.0)]) == ["ﾎｯﾄｾﾙ"]


def test_traditional_chinese_shares_the_simplified_features_and_keeps_its_own_spans():
    assert normalise_for_features("碳纖維預浸料 T800級") == normalise_for_features("碳纤维预浸料 T800级")
    assert normalise_for_features("炭素繊維ﾌﾟﾘﾌﾟﾚｸﾞ 電池用") == "炭素繊維プリプレグ 電池用"  # Japanese: no fold
    text = "碳纖維預浸料 中模量 未稅報價"
    assert evidence_spans(text, [("word", "预浸料", 1.0)]) == ["碳纖維預浸料"]


def test_fields_of_a_cjk_line_stay_apart_and_english_words_join():
    assert evidence_spans("UF6対応 ベローズシール弁", [("char", "対応", 1.0), ("char", "シール", 1.0)]) == [
        "対応",
        "ベローズシール弁",
    ]
    assert evidence_spans("CRDM latch housing assy", [("word", "latch", 1.0), ("word", "housing", 1.0)]) == [
        "latch housing"
    ]


def test_a_long_unpunctuated_run_is_cut_around_dictionary_words_only():
    text = "当社の極寒地仕様サーバは基板ヒータと密閉筐体で結露を防ぎレーダサイトや前線指揮所の処理装置として"
    units = [text[u.start : u.end] for u in text_units(text)]
    assert "".join(units) == text and all(len(unit) <= LONG_RUN for unit in units)
    assert "前線指揮所" in units or {"前線", "指揮"} <= set(units)


def test_explain_gives_every_label_its_own_spans():
    text = "Fibre-optic gyro, bias stability 0.005 deg/h, for inertial navigation of aircraft"
    out = explain(
        text, {"navigation_avionics": [("word", "optic gyro", 1.0)], "aerospace": [("word", "aircraft", 1.0)]}
    )
    assert out == {"navigation_avionics": ["bias stability 0.005 deg/h", "Fibre-optic gyro"], "aerospace": ["aircraft"]}


MODEL_TEXTS = [
    "Navigation-grade fibre-optic gyro FOG-3000, bias stability 0.005 deg/h, for aircraft INS",
    "Our 12-bit, 12.8 GSPS converter eliminates mixer stages in radar and wideband receivers.",
    "光纤陀螺仪 零偏稳定性≤0.01°/h 惯导用 三轴一体化设计 工作温度-55~+85℃",
    "亚米级高分辨率卫星遥感相机，全色0.5米、多光谱2米，幅宽15公里，采用碳化硅主镜与轻量化结构设计。",
    "冷却型長波赤外線カメラ 型番：LWT-1280 画素ピッチ12μm、感度波長8～10μm、NETD：30mK以下",
    "UF6対応 ベローズシール弁 モネル製 DN25 ヘリウムリーク 1×10⁻⁹ Pa·m³/s以下 フランジ接続",
]


def test_the_model_evidence_never_cuts_a_word_or_a_number(quick_model):
    for text, result in zip(MODEL_TEXTS, quick_model.classify(MODEL_TEXTS)):
        edges = {edge for q in extract_quantities(text) for edge in (q.start, q.end)}
        assert result.evidence, text
        for spans in result.evidence.values():
            for span in spans:
                start = text.find(span)
                assert start >= 0
                assert not _cuts(text, start, edges) and not _cuts(text, start + len(span), edges), (text, span)
