"""Reading the stated end-use: military wording in three languages, vague wording, denials."""

import pytest

from classifier.rules.end_use import CIVILIAN, MILITARY, VAGUE, affirmed_text, assess_end_use

CASES = [
    ("For JMSDF P-1 patrol aircraft maintenance", MILITARY),
    ("air defense radar upgrade", MILITARY),
    ("missile guidance test bench", MILITARY),
    ("warship combat system", MILITARY),
    ("海上自衛隊の護衛艦搭載用", MILITARY),
    ("戦闘機の整備", MILITARY),
    ("潜水艦用", MILITARY),
    ("防衛省向け", MILITARY),
    ("军用无人机", MILITARY),
    ("用于军事通信", MILITARY),
    ("护卫舰雷达系统", MILITARY),
    ("", VAGUE),
    ("general use", VAGUE),
    ("Various", VAGUE),
    ("N/A", VAGUE),
    ("R&D", VAGUE),
    ("研究用", VAGUE),
    ("研究開発用", VAGUE),
    ("一般産業用途", VAGUE),
    ("通用", VAGUE),
    ("automotive parts production", CIVILIAN),
    ("半導体研究用", CIVILIAN),
    ("civil use only, not for military purposes", CIVILIAN),
    ("non-military satellite communications", CIVILIAN),
    ("非军事用途，民用通信", CIVILIAN),
    ("軍事目的以外に使用", CIVILIAN),
    ("fuel tank for cars", CIVILIAN),
    ("fire fighters training", CIVILIAN),
    ("民生用、防衛用途ではない", CIVILIAN),
    ("all users except JSDF", CIVILIAN),
    ("Model No. 5, for JMSDF", MILITARY),
    ("civil use only; spares for the navy", MILITARY),
    ("navy-blue uniforms for hotel staff", CIVILIAN),
    ("army-green paint", CIVILIAN),
    ("denial-of-service defense for an ISP", CIVILIAN),
    ("self-defense class for staff", CIVILIAN),
    ("air defense radar", MILITARY),
    ("海军蓝制服", CIVILIAN),
    ("海军舰艇", MILITARY),
    ("正当防衛の講習", CIVILIAN),
    ("防衛用途", MILITARY),
    ("for the JMSDF and not for resale", MILITARY),
    ("航空自衛隊向け（武器ではない）", MILITARY),
]


@pytest.mark.parametrize(("text", "kind"), CASES)
def test_end_use_reading(text, kind):
    assert assess_end_use(text).kind == kind


def test_military_reading_names_its_words():
    assert "patrol aircraft" in assess_end_use("For P-1 patrol aircraft").terms


def test_denying_clauses_are_left_out():
    assert affirmed_text("Not for JMSDF. Spares for MHI Nagoya") == "spares for mhi nagoya"
