from classifier.evidence import evidence_spans
from classifier.text import normalise_for_features


def test_spans_come_from_the_original_text_strongest_first():
    text = "Fibre-optic gyro, bias stability 0.005 deg/h"
    spans = evidence_spans(text, [("word", "stability", 0.4), ("word", "optic gyro", 2.0)])
    assert spans == ["optic gyro", "stability"]


def test_a_word_pair_segmented_out_of_chinese_is_found_without_its_space():
    text = "光纤陀螺仪 零偏稳定性0.01°/h 惯导"
    assert evidence_spans(text, [("word", "稳定 性", 1.0), ("word", "惯导", 0.5)]) == ["稳定性", "惯导"]


def test_full_width_text_is_matched_through_its_normalised_form():
    text = "ﾎｯﾄｾﾙ用ﾏｽﾀｰｽﾚｰﾌﾞﾏﾆﾌﾟﾚｰﾀ"
    assert evidence_spans(text, [("word", "ホット セル", 1.0)]) == ["ﾎｯﾄｾﾙ"]


def test_traditional_chinese_shares_the_simplified_features_and_keeps_its_own_spans():
    assert normalise_for_features("碳纖維預浸料 T800級") == normalise_for_features("碳纤维预浸料 T800级")
    assert normalise_for_features("炭素繊維ﾌﾟﾘﾌﾟﾚｸﾞ 電池用") == "炭素繊維プリプレグ 電池用"  # Japanese: no fold
    text = "碳纖維預浸料 中模量 未稅報價"
    assert evidence_spans(text, [("word", "预浸料", 1.0)]) == ["預浸料"]
