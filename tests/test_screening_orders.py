"""Screening orders as buyers, trading houses and third-country integrators write them, in English, Chinese and
Japanese: short forms and platforms, denials, third-country routes, items that are not dual-use, civilian senses of
military words, other countries' defence bodies, entity data and dates. Each boundary is tested from both sides."""

import datetime as dt
import json
from pathlib import Path

import pytest

from classifier.rules import ItemAssessment, Order, load_policy, screen_order
from classifier.rules.end_use import MILITARY, assess_end_use

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
DUAL_USE = ItemAssessment(labels=["sensors_lasers"], scores={"sensors_lasers": 0.91})
NOT_DUAL_USE = ItemAssessment(labels=[], scores={"sensors_lasers": 0.03})
TW = {"end_user": "Formosa Electronics Trading", "end_user_country": "TW", "destination_country": "TW"}
SG = {"end_user": "Lion City Integration Pte Ltd", "end_user_country": "SG", "destination_country": "SG"}
DE = {"end_user": "Rheinland Systemtechnik GmbH", "end_user_country": "DE", "destination_country": "DE"}
JP_CIVIL = {"end_user": "Tanaka Precision K.K."}


@pytest.fixture(scope="module")
def policy():
    return load_policy(DATA_DIR)


def order(**fields):
    values = {
        "description": "item",
        "destination_country": "JP",
        "end_user_country": "JP",
        "end_use": "factory inspection line",
        "date": dt.date(2026, 7, 1),
    }
    values.update(fields)
    return Order(**values)


NAMED = "mofcom-2026-001/military-end-user-named-in-end-use"
IN_JAPAN = "mofcom-2026-001/military-end-use-in-japan"
MILITARY_USE = "mofcom-2026-001/military-end-use"
MILITARY_USER = "mofcom-2026-001/military-end-user"
LICENCE = "prc-dual-use-licensing/dual-use-licence"
NOT_CONTROLLED = "prc-dual-use-licensing/not-dual-use"
CONTROL_11 = "mofcom-2026-011/control-list"
CONTROL_27 = "mofcom-2026-027/control-list"
WATCH = "mofcom-2026-012/watch-list"

# (id, order fields, item, decision, a rule that must fire)
CASES = [
    # 1. Japanese short forms and platforms in the end-use, whoever the consignee is
    ("ja-rikuji-short-form", {**TW, "end_use": "陸自向け通信機"}, DUAL_USE, "prohibited", NAMED),
    ("ja-kaiji-short-form", {**TW, "end_use": "海自の艦船用"}, DUAL_USE, "prohibited", NAMED),
    ("ja-kuji-aircraft", {**TW, "end_use": "空自機の整備用"}, DUAL_USE, "prohibited", NAMED),
    ("ja-toubaku", {**TW, "end_use": "統幕の指揮システム更新"}, DUAL_USE, "prohibited", NAMED),
    ("ja-soubichou", {**TW, "end_use": "装備庁の試験用"}, DUAL_USE, "prohibited", NAMED),
    ("ja-jieikan", {**TW, "end_use": "自衛艦の補修部品"}, DUAL_USE, "prohibited", NAMED),
    ("ja-c2-transport", {**TW, "end_use": "C-2輸送機向け"}, DUAL_USE, "prohibited", NAMED),
    ("ja-type12-missile", {**SG, "end_use": "12式地対艦誘導弾"}, DUAL_USE, "prohibited", NAMED),
    ("ja-izumo-class", {**SG, "end_use": "いずも型の改修"}, DUAL_USE, "prohibited", NAMED),
    ("ja-type03-sam", {**SG, "end_use": "03式中距離地対空誘導弾の部品"}, DUAL_USE, "prohibited", NAMED),
    ("en-sh60k-spares", {**SG, "end_use": "SH-60K spares"}, DUAL_USE, "prohibited", NAMED),
    ("en-mogami-class", {**DE, "end_use": "Mogami-class sonar refit"}, DUAL_USE, "prohibited", NAMED),
    ("en-f2-fighter", {**DE, "end_use": "F-2 fighter avionics"}, DUAL_USE, "prohibited", NAMED),
    ("romaji-type10-tank", {**DE, "end_use": "Type 10 tank fire control"}, DUAL_USE, "prohibited", NAMED),
    ("zh-p1-patrol", {**TW, "end_use": "用于P-1哨戒机"}, DUAL_USE, "prohibited", NAMED),
    ("zh-short-form-after-japan", {**TW, "end_use": "供日本空自使用"}, DUAL_USE, "prohibited", NAMED),
    ("zh-short-form-after-yu", {**TW, "end_use": "用于海自"}, DUAL_USE, "prohibited", NAMED),
    ("zh-shanghai-ftz-not-kaiji", {**TW, "end_use": "上海自贸区仓库备件"}, DUAL_USE, "license_required", LICENCE),
    ("ja-vacuum-not-kuji", {**TW, "end_use": "真空自動包装機の部品"}, DUAL_USE, "license_required", LICENCE),
    ("zh-sichuan-not-kawaju", {**TW, "end_use": "四川重工的工厂设备"}, DUAL_USE, "license_required", LICENCE),
    ("ja-mainland-cars-not-rikuji", {**TW, "end_use": "大陸自動車向け部品"}, DUAL_USE, "license_required", LICENCE),
    ("zh-prevent-not-bodai", {**TW, "end_use": "预防大规模停电"}, DUAL_USE, "license_required", LICENCE),
    ("en-c2-grade-steel-not-c2", {**TW, "end_use": "C-2 grade steel tooling"}, DUAL_USE, "license_required", LICENCE),
    # 2. A denial or qualifier does not drop the end-user it names
    ("en-non-military-by-jasdf", {**SG, "end_use": "non-military use by the JASDF"}, DUAL_USE, "prohibited", NAMED),
    ("en-not-weapons-but-jasdf", {**SG, "end_use": "not for weapons but for the JASDF"}, DUAL_USE, "prohibited", NAMED),
    (
        "en-civil-only-by-kanji-jasdf",
        {**SG, "end_use": "civil engineering use only, by the 航空自衛隊"},
        DUAL_USE,
        "prohibited",
        NAMED,
    ),
    (
        "en-jmsdf-and-not-for-resale",
        {**SG, "end_use": "for the JMSDF and not for resale"},
        DUAL_USE,
        "prohibited",
        NAMED,
    ),
    (
        "en-not-for-jmsdf",
        {**SG, "end_use": "airline MRO, not for JMSDF or any military user"},
        DUAL_USE,
        "license_required",
        LICENCE,
    ),
    (
        "en-not-to-be-used-by-jsdf",
        {**SG, "end_use": "not to be used by the JSDF"},
        DUAL_USE,
        "license_required",
        LICENCE,
    ),
    (
        "en-except-jasdf",
        {**SG, "end_use": "all airline customers except the JASDF"},
        DUAL_USE,
        "license_required",
        LICENCE,
    ),
    (
        "ja-jasdf-site-non-military",
        {**TW, "end_use": "航空自衛隊の施設で軍事目的以外に使用"},
        DUAL_USE,
        "prohibited",
        NAMED,
    ),
    ("ja-jasdf-no-weapons-bracket", {**TW, "end_use": "航空自衛隊向け（武器ではない）"}, DUAL_USE, "prohibited", NAMED),
    ("ja-not-for-jsdf", {**TW, "end_use": "自衛隊向けではない民生用途"}, DUAL_USE, "license_required", LICENCE),
    (
        "ja-except-jsdf",
        {**JP_CIVIL, "end_use": "自衛隊以外の民間顧客向け検査装置"},
        DUAL_USE,
        "license_required",
        LICENCE,
    ),
    ("zh-non-military-for-jasdf", {**TW, "end_use": "非军事用途，供日本航空自卫队使用"}, DUAL_USE, "prohibited", NAMED),
    ("zh-jasdf-non-military-use", {**TW, "end_use": "日本航空自卫队的非军事用途"}, DUAL_USE, "prohibited", NAMED),
    ("zh-not-for-jsdf", {**TW, "end_use": "民用，不用于日本自卫队"}, DUAL_USE, "license_required", LICENCE),
    ("zh-no-resale-to-jsdf", {**TW, "end_use": "不得转售给日本自卫队"}, DUAL_USE, "license_required", LICENCE),
    # 3. Third-country routes: a Japanese military use or user in the end-use, whatever the consignee's country
    (
        "en-tw-japanese-air-force",
        {**TW, "end_use": "for the Japanese air force's radar upgrade"},
        DUAL_USE,
        "prohibited",
        NAMED,
    ),
    (
        "en-de-japanese-naval-vessels",
        {**DE, "end_use": "sensors for Japanese naval vessels"},
        DUAL_USE,
        "prohibited",
        IN_JAPAN,
    ),
    (
        "en-my-onward-sale-mod",
        {
            "end_user": "Selangor Tech Sdn Bhd",
            "end_user_country": "MY",
            "destination_country": "MY",
            "end_use": "for onward sale to 防衛省",
        },
        DUAL_USE,
        "prohibited",
        NAMED,
    ),
    (
        "en-de-yokosuka-naval-base",
        {**DE, "end_use": "integration at Yokosuka naval base"},
        DUAL_USE,
        "prohibited",
        IN_JAPAN,
    ),
    ("zh-tw-japanese-warships", {**TW, "end_use": "用于日本军舰"}, DUAL_USE, "prohibited", IN_JAPAN),
    ("zh-tw-japanese-navy-alias", {**TW, "end_use": "日本海军雷达升级"}, DUAL_USE, "prohibited", NAMED),
    (
        "zh-hk-resale-to-mod",
        {
            "end_user": "Pacific Parts Ltd",
            "end_user_country": "HK",
            "destination_country": "HK",
            "end_use": "转售给日本防卫省",
        },
        DUAL_USE,
        "prohibited",
        NAMED,
    ),
    ("ja-tw-escort-ships-in-kana", {**TW, "end_use": "日本の護衛艦向けレーダー"}, DUAL_USE, "prohibited", IN_JAPAN),
    ("en-tw-taiwanese-navy", {**TW, "end_use": "for the Taiwanese navy"}, DUAL_USE, "license_required", LICENCE),
    (
        "en-tw-japanese-parts-taiwanese-navy",
        {**TW, "end_use": "Japanese-made parts for the Taiwanese navy"},
        DUAL_USE,
        "license_required",
        LICENCE,
    ),
    ("zh-tw-taiwan-navy", {**TW, "end_use": "用于台湾海军"}, DUAL_USE, "license_required", LICENCE),
    (
        "ja-kr-korean-navy-in-kana",
        {
            "end_user": "Hanbit Marine",
            "end_user_country": "KR",
            "destination_country": "KR",
            "end_use": "韓国海軍の艦艇向け",
        },
        DUAL_USE,
        "license_required",
        LICENCE,
    ),
    (
        "en-ultimate-consignee-jmsdf",
        {**TW, "ultimate_consignee": "Japan Maritime Self-Defense Force"},
        DUAL_USE,
        "prohibited",
        MILITARY_USER,
    ),
    (
        "ja-ultimate-consignee-jaxa",
        {**SG, "ultimate_consignee": "宇宙航空研究開発機構"},
        DUAL_USE,
        "prohibited",
        CONTROL_11,
    ),
    (
        "zh-ultimate-consignee-jgsdf",
        {**SG, "ultimate_consignee": "日本陆上自卫队"},
        DUAL_USE,
        "prohibited",
        MILITARY_USER,
    ),
    (
        "en-ultimate-consignee-civilian",
        {**TW, "ultimate_consignee": "Toyota Motor Corporation"},
        DUAL_USE,
        "license_required",
        LICENCE,
    ),
    # 4. Not dual-use, but a military or listed end-user: review, never silent not_controlled
    (
        "en-not-dual-use-jmsdf",
        {"end_user": "JMSDF"},
        NOT_DUAL_USE,
        "review",
        "mofcom-2026-001/not-dual-use-military-end-user",
    ),
    (
        "zh-not-dual-use-jmsdf",
        {"end_user": "日本海上自卫队"},
        NOT_DUAL_USE,
        "review",
        "mofcom-2026-001/not-dual-use-military-end-user",
    ),
    (
        "ja-not-dual-use-jgsdf-unit",
        {"end_user": "陸上自衛隊 朝霞駐屯地"},
        NOT_DUAL_USE,
        "review",
        "mofcom-2026-001/not-dual-use-military-end-user",
    ),
    (
        "en-not-dual-use-named-in-end-use",
        {**SG, "end_use": "spares for the JMSDF"},
        NOT_DUAL_USE,
        "review",
        "mofcom-2026-001/not-dual-use-military-end-user-named-in-end-use",
    ),
    (
        "en-not-dual-use-control-list",
        {"end_user": "MHI Aero Engines"},
        NOT_DUAL_USE,
        "review",
        "mofcom-2026-011/not-dual-use-listed-end-user",
    ),
    (
        "zh-not-dual-use-control-list",
        {"end_user": "三菱重工航空发动机株式会社"},
        NOT_DUAL_USE,
        "review",
        "mofcom-2026-011/not-dual-use-listed-end-user",
    ),
    (
        "ja-not-dual-use-control-list",
        {"end_user": "株式会社IHIエアロスペース"},
        NOT_DUAL_USE,
        "review",
        "mofcom-2026-011/not-dual-use-listed-end-user",
    ),
    (
        "en-not-dual-use-watch-list",
        {"end_user": "TDK Corporation"},
        NOT_DUAL_USE,
        "review",
        "mofcom-2026-012/not-dual-use-listed-end-user",
    ),
    (
        "en-not-dual-use-no27",
        {"end_user": "NIPPI Corporation"},
        NOT_DUAL_USE,
        "review",
        "mofcom-2026-027/not-dual-use-listed-end-user",
    ),
    (
        "en-not-dual-use-civilian",
        {"end_user": "Toyota Motor Corporation"},
        NOT_DUAL_USE,
        "not_controlled",
        NOT_CONTROLLED,
    ),
    (
        "en-not-dual-use-contractor-only",
        {"end_user": "Mitsubishi Heavy Industries"},
        NOT_DUAL_USE,
        "not_controlled",
        NOT_CONTROLLED,
    ),
    ("ja-not-dual-use-civilian", {"end_user": "トヨタ自動車株式会社"}, NOT_DUAL_USE, "not_controlled", NOT_CONTROLLED),
    # 5. Military words in civilian senses, and the military sense of the same word
    (
        "en-dos-defense-isp",
        {**JP_CIVIL, "end_use": "denial-of-service defense for our ISP backbone"},
        DUAL_USE,
        "license_required",
        LICENCE,
    ),
    ("en-missile-defense", {**JP_CIVIL, "end_use": "missile defense radar"}, DUAL_USE, "prohibited", MILITARY_USE),
    (
        "en-corrosion-defense",
        {**JP_CIVIL, "end_use": "corrosion defense coating for bridges"},
        DUAL_USE,
        "license_required",
        LICENCE,
    ),
    ("en-coastal-defense", {**JP_CIVIL, "end_use": "coastal defense radar"}, DUAL_USE, "prohibited", MILITARY_USE),
    (
        "en-navy-blue-hotel",
        {**JP_CIVIL, "end_use": "navy-blue uniforms for hotel staff"},
        DUAL_USE,
        "license_required",
        LICENCE,
    ),
    ("en-navy-ships", {**JP_CIVIL, "end_use": "navy ship uniforms"}, DUAL_USE, "prohibited", MILITARY_USE),
    (
        "en-army-green-paint",
        {**JP_CIVIL, "end_use": "army-green paint for farm equipment"},
        DUAL_USE,
        "license_required",
        LICENCE,
    ),
    ("en-army-vehicles", {**JP_CIVIL, "end_use": "army vehicle paint"}, DUAL_USE, "prohibited", MILITARY_USE),
    (
        "en-self-defense-class",
        {**JP_CIVIL, "end_use": "self-defense class for staff"},
        DUAL_USE,
        "license_required",
        LICENCE,
    ),
    ("en-submarine-cable", {**JP_CIVIL, "end_use": "submarine cable repeaters"}, DUAL_USE, "license_required", LICENCE),
    ("en-submarine-sonar", {**JP_CIVIL, "end_use": "submarine sonar"}, DUAL_USE, "prohibited", MILITARY_USE),
    ("en-ballistic-nylon", {**JP_CIVIL, "end_use": "ballistic nylon luggage"}, DUAL_USE, "license_required", LICENCE),
    (
        "en-grease-interceptor",
        {**JP_CIVIL, "end_use": "grease interceptor for restaurant kitchens"},
        DUAL_USE,
        "license_required",
        LICENCE,
    ),
    (
        "en-warship-model-kits",
        {**JP_CIVIL, "end_use": "1/700 warship model kits for hobby shops"},
        DUAL_USE,
        "license_required",
        LICENCE,
    ),
    (
        "en-combat-corrosion",
        {**JP_CIVIL, "end_use": "to combat corrosion in pipelines"},
        DUAL_USE,
        "license_required",
        LICENCE,
    ),
    ("zh-navy-blue-uniform", {**JP_CIVIL, "end_use": "海军蓝制服"}, DUAL_USE, "license_required", LICENCE),
    ("zh-navy-vessels", {**JP_CIVIL, "end_use": "海军舰艇"}, DUAL_USE, "prohibited", MILITARY_USE),
    ("zh-army-green-paint", {**JP_CIVIL, "end_use": "军绿色油漆"}, DUAL_USE, "license_required", LICENCE),
    ("zh-lawful-self-defense", {**JP_CIVIL, "end_use": "正当防卫法律培训"}, DUAL_USE, "license_required", LICENCE),
    ("zh-national-defense", {**JP_CIVIL, "end_use": "国防工程"}, DUAL_USE, "prohibited", MILITARY_USE),
    ("zh-team-fighting-spirit", {**JP_CIVIL, "end_use": "团队战斗力提升培训"}, DUAL_USE, "license_required", LICENCE),
    ("zh-fighter-jets", {**JP_CIVIL, "end_use": "战斗机维修"}, DUAL_USE, "prohibited", MILITARY_USE),
    ("ja-lawful-self-defense", {**JP_CIVIL, "end_use": "正当防衛の講習"}, DUAL_USE, "license_required", LICENCE),
    ("ja-defense-use", {**JP_CIVIL, "end_use": "防衛用途"}, DUAL_USE, "prohibited", MILITARY_USE),
    ("ja-tank-plastic-model", {**JP_CIVIL, "end_use": "戦車のプラモデル"}, DUAL_USE, "license_required", LICENCE),
    ("ja-tank-parts", {**JP_CIVIL, "end_use": "戦車の部品"}, DUAL_USE, "prohibited", MILITARY_USE),
    ("ja-title-defense-boxing", {**JP_CIVIL, "end_use": "タイトル防衛戦の照明"}, DUAL_USE, "license_required", LICENCE),
    # 6. Other countries' defence bodies: generic names count only with a Japanese context
    (
        "en-mod-korea",
        {"end_user": "Ministry of Defence, Republic of Korea", "end_user_country": ""},
        DUAL_USE,
        "license_required",
        LICENCE,
    ),
    ("en-mod-japan-country", {"end_user": "Ministry of Defense"}, DUAL_USE, "prohibited", MILITARY_USER),
    (
        "en-mod-tokyo-place",
        {"end_user": "Ministry of Defense, Ichigaya, Tokyo", "end_user_country": "", "destination_country": "SG"},
        DUAL_USE,
        "prohibited",
        MILITARY_USER,
    ),
    (
        "en-mod-singapore",
        {"end_user": "Ministry of Defence", "end_user_country": "SG", "destination_country": "SG"},
        DUAL_USE,
        "license_required",
        LICENCE,
    ),
    (
        "en-nda-korea",
        {"end_user": "National Defense Academy", "end_user_country": "KR", "destination_country": "KR"},
        DUAL_USE,
        "license_required",
        LICENCE,
    ),
    ("en-nda-japan", {"end_user": "National Defense Academy"}, DUAL_USE, "prohibited", MILITARY_USER),
    (
        "en-nda-yokosuka",
        {"end_user": "National Defense Academy, Yokosuka", "end_user_country": "", "destination_country": "SG"},
        DUAL_USE,
        "prohibited",
        MILITARY_USER,
    ),
    (
        "en-dri-singapore",
        {"end_user": "Defence Research Institute", "end_user_country": "SG", "destination_country": "SG"},
        DUAL_USE,
        "license_required",
        LICENCE,
    ),
    ("en-dri-japan", {"end_user": "Defense Research Institute"}, DUAL_USE, "prohibited", CONTROL_27),
    (
        "ja-mod-kanji",
        {"end_user": "防衛省", "end_user_country": "", "destination_country": "SG"},
        DUAL_USE,
        "prohibited",
        MILITARY_USER,
    ),
    (
        "ja-korean-mod",
        {"end_user": "韓国国防部", "end_user_country": "KR", "destination_country": "KR"},
        DUAL_USE,
        "license_required",
        LICENCE,
    ),
    (
        "zh-japanese-mod",
        {"end_user": "日本防卫省", "end_user_country": "", "destination_country": "HK"},
        DUAL_USE,
        "prohibited",
        MILITARY_USER,
    ),
    (
        "zh-singapore-mod",
        {"end_user": "新加坡国防部", "end_user_country": "SG", "destination_country": "SG"},
        DUAL_USE,
        "license_required",
        LICENCE,
    ),
    # 7. Entity data: Japanese and former names, subsidiaries that extend a listed name
    ("en-former-tokyo-tech", {"end_user": "Tokyo Institute of Technology"}, DUAL_USE, "review", WATCH),
    ("ja-former-tokyo-tech", {"end_user": "東京工業大学"}, DUAL_USE, "review", WATCH),
    ("zh-former-tokyo-tech", {"end_user": "东京工业大学"}, DUAL_USE, "review", WATCH),
    (
        "en-former-universal-shipbuilding",
        {"end_user": "Universal Shipbuilding Corporation"},
        DUAL_USE,
        "prohibited",
        CONTROL_11,
    ),
    ("ja-former-universal-shipbuilding", {"end_user": "ユニバーサル造船株式会社"}, DUAL_USE, "prohibited", CONTROL_11),
    ("ja-former-niigata-power", {"end_user": "新潟原動機株式会社"}, DUAL_USE, "prohibited", CONTROL_11),
    ("en-former-jx-energy", {"end_user": "JX Nippon Oil & Energy"}, DUAL_USE, "review", WATCH),
    ("ja-no27-aoki", {"end_user": "青木精密工業株式会社"}, DUAL_USE, "prohibited", CONTROL_27),
    ("ja-no27-mhi-oceanics", {"end_user": "MHIオーシャニクス株式会社"}, DUAL_USE, "prohibited", CONTROL_27),
    ("en-listed-itself", {"end_user": "MHI Aero Engines"}, DUAL_USE, "prohibited", CONTROL_11),
    (
        "en-subsidiary-extends-listed",
        {"end_user": "MHI Aero Engines Logistics"},
        DUAL_USE,
        "review",
        "mofcom-2026-011/group-of-listed",
    ),
    (
        "en-listed-works-is-the-entity",
        {"end_user": "MHI Aero Engines Nagoya Works"},
        DUAL_USE,
        "prohibited",
        CONTROL_11,
    ),
    (
        "en-listed-subsidiary-itself-listed",
        {"end_user": "IHI Aerospace Engineering"},
        DUAL_USE,
        "prohibited",
        CONTROL_11,
    ),
    (
        "en-jmu-defense-trading",
        {"end_user": "JMU Defense Systems Trading"},
        DUAL_USE,
        "review",
        "mofcom-2026-011/group-of-listed",
    ),
    (
        "ja-subsidiary-service",
        {"end_user": "三菱重工航空エンジンサービス株式会社"},
        DUAL_USE,
        "review",
        "mofcom-2026-011/group-of-listed",
    ),
    (
        "zh-subsidiary-logistics",
        {"end_user": "三菱重工航空发动机物流公司"},
        DUAL_USE,
        "review",
        "mofcom-2026-011/group-of-listed",
    ),
    (
        "en-watch-list-subsidiary",
        {"end_user": "ENEOS Engineering"},
        DUAL_USE,
        "review",
        "mofcom-2026-012/group-of-watch-listed",
    ),
    ("en-military-unit-not-subsidiary", {"end_user": "JMSDF Logistics Command"}, DUAL_USE, "prohibited", MILITARY_USER),
    # Dates before and after each instrument
    ("date-before-no1", {"end_user": "海上自衛隊", "date": dt.date(2026, 1, 5)}, DUAL_USE, "license_required", LICENCE),
    ("date-on-no1", {"end_user": "海上自衛隊", "date": dt.date(2026, 1, 6)}, DUAL_USE, "prohibited", MILITARY_USER),
    (
        "date-before-no11",
        {"end_user": "三菱造船株式会社", "date": dt.date(2026, 2, 23)},
        DUAL_USE,
        "review",
        "mofcom-2026-001/defence-contractor-group",
    ),
    (
        "date-on-no11",
        {"end_user": "三菱造船株式会社", "date": dt.date(2026, 2, 24)},
        DUAL_USE,
        "prohibited",
        CONTROL_11,
    ),
    (
        "date-before-no12",
        {"end_user": "TDK株式会社", "date": dt.date(2026, 2, 23)},
        DUAL_USE,
        "license_required",
        LICENCE,
    ),
    ("date-on-no12", {"end_user": "TDK株式会社", "date": dt.date(2026, 2, 24)}, DUAL_USE, "review", WATCH),
    (
        "date-before-no27",
        {"end_user": "日本飛行機株式会社", "date": dt.date(2026, 6, 28)},
        DUAL_USE,
        "license_required",
        LICENCE,
    ),
    (
        "date-on-no27",
        {"end_user": "日本飛行機株式会社", "date": dt.date(2026, 6, 29)},
        DUAL_USE,
        "prohibited",
        CONTROL_27,
    ),
    ("date-before-licensing", {**DE, "date": dt.date(2024, 11, 30)}, DUAL_USE, "review", "no-rule-in-force"),
    ("date-on-licensing", {**DE, "date": dt.date(2024, 12, 1)}, DUAL_USE, "license_required", LICENCE),
]


@pytest.mark.parametrize(("case", "fields", "item", "decision", "rule"), CASES, ids=[case[0] for case in CASES])
def test_order_as_written(policy, case, fields, item, decision, rule):
    result = screen_order(order(**fields), item, policy)
    assert result.decision == decision, result.reasons
    assert rule in [reason["rule"] for reason in result.reasons]


def test_cases_cover_each_language_and_are_uniquely_named():
    ids = [case[0] for case in CASES]
    assert len(ids) == len(set(ids)) >= 100
    assert {case.split("-")[0] for case in ids} >= {"en", "zh", "ja", "date"}


def test_japan_is_placed_only_by_a_qualifying_word():
    assert assess_end_use("for Japanese naval vessels").countries == {"JP"}
    taiwanese = assess_end_use("Japanese-made parts for the Taiwanese navy")
    assert (taiwanese.kind, taiwanese.countries) == (MILITARY, frozenset())


def test_japanese_order_warns_of_the_gaps_of_the_published_lists(policy):
    result = screen_order(order(**JP_CIVIL), DUAL_USE, policy)
    warnings = " ".join(result.warnings)
    assert "Position 15: NOT FOUND" in warnings
    assert "A second set of 20 watch-list entities" in warnings
    assert "Positions: NOT FOUND" in warnings
    assert result.as_dict()["warnings"] == result.warnings


def test_order_without_japan_has_no_list_warnings(policy):
    assert screen_order(order(**DE), DUAL_USE, policy).warnings == []


def test_third_country_order_naming_japan_warns(policy):
    result = screen_order(order(**TW, end_use="for the Japanese air force's radar upgrade"), DUAL_USE, policy)
    assert any("Position 15" in warning for warning in result.warnings)


def test_undated_order_says_it_was_screened_as_of_today(policy):
    result = screen_order(order(**DE, date=None), DUAL_USE, policy)
    assert result.warnings == [f"the order has no date; it was screened as of today, {dt.date.today().isoformat()}"]


def test_subsidiary_names_its_listed_parent(policy):
    result = screen_order(order(end_user="MHI Aero Engines Logistics"), DUAL_USE, policy)
    entity = result.matched_entity
    assert (entity["id"], entity["strength"], entity["lists"]) == ("mhi-aero-engines", "name extends it", [])
    assert "mofcom_2026_11_control" in entity["group_lists"]
    assert any(
        "Mitsubishi Heavy Industries Aero Engines" in line for reason in result.reasons for line in reason["evidence"]
    )


def test_ultimate_consignee_is_reported_when_the_end_user_is_unlisted(policy):
    result = screen_order(order(**TW, ultimate_consignee="JASDF Iruma Air Base"), DUAL_USE, policy)
    assert result.matched_entity["party"] == "ultimate consignee"
    assert result.matched_entity["id"] == "jasdf-iruma-air-base"
    assert any("the ultimate consignee" in line for line in result.reasons[0]["evidence"])


def test_alias_source_tells_unsourced_names_apart(policy):
    unsourced = screen_order(order(end_user="新潟原動機株式会社"), DUAL_USE, policy).matched_entity
    sourced = screen_order(order(end_user="Universal Shipbuilding Corporation"), DUAL_USE, policy).matched_entity
    listed = screen_order(order(end_user="JAXA"), DUAL_USE, policy).matched_entity
    assert unsourced["alias_source"] == "unsourced"
    assert sourced["alias_source"].startswith("https://")
    assert listed["alias_source"] is None


def test_no11_positions_9_to_14_are_numbered(policy):
    ids = [
        "ihi-power-systems",
        "ihi-master-metal",
        "ihi-jet-service",
        "ihi-aerospace",
        "ihi-aero-manufacturing",
        "ihi-aerospace-engineering",
    ]
    positions = [
        next(m.position for m in policy.entities[entity_id].memberships if m.list_id == "mofcom_2026_11_control")
        for entity_id in ids
    ]
    assert positions == [9, 10, 11, 12, 13, 14]


def test_rows_take_ultimate_consignee_and_give_warnings(policy):
    from classifier.rules import OUTPUT_COLUMNS, screen_rows

    row = {
        "id": "u-1",
        "labels": '["sensors_lasers"]',
        "destination_country": "TW",
        "end_user": "Formosa Trading",
        "end_user_country": "TW",
        "end_use": "radar spares",
        "ultimate_consignee": "海上自衛隊",
        "date": "",
    }
    [result] = list(screen_rows([row], policy))
    assert "warnings" in OUTPUT_COLUMNS
    assert result["decision"] == "prohibited"
    warnings = json.loads(result["warnings"])
    assert warnings[0].startswith("the order has no date") and any("Position 15" in w for w in warnings)
