"""Quantity extraction from English, Chinese and Japanese product text."""

import pytest

from classifier.entries.quantities import extract_quantities
from classifier.entries.units import convert


def only(text):
    found = extract_quantities(text)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("bias stability 0.005 deg/h", 0.005, "degree/hour"),
        ("bias 0.5°/hr", 0.5, "degree/hour"),
        ("零偏稳定性0.01度/小时", 0.01, "degree/hour"),
        ("バイアス安定性 0.3°/h", 0.3, "degree/hour"),
        ("ARW 0.001°/√h", 0.001, "degree/hour**0.5"),
        ("ARW < 0.0015 deg/rt-hr", 0.0015, "degree/hour**0.5"),
        ("CEP 0,8 nm/hr", 0.8, "nautical_mile/hour"),
        ("positioning accuracy 3 µm", 3, "micrometer"),
        ("定位精度 3um", 3, "micrometer"),
        ("定位精度 3微米", 3, "micrometer"),
        ("位置決め精度 3ミクロン", 3, "micrometer"),
        ("3 GSPS ADC", 3, "gigasample/second"),
        ("sampling 400 MSPS", 400, "megasample/second"),
        ("band 18 GHz", 18, "gigahertz"),
        ("工作频率 900兆赫", 900, "megahertz"),
        ("输出功率 6千瓦", 6, "kilowatt"),
        ("出力５ｋＷ", 5, "kilowatt"),
        ("output 500 W", 500, "watt"),
        ("功率 800瓦", 800, "watt"),
        ("NETD 40 mK", 40, "millikelvin"),
        ("sensitivity -110 dBm", -110, "dBm"),
        ("accelerometer bias 50 micro g", 50, "microstandard_gravity"),
        ("net weight 30 g", 30, "gram"),
        ("scale factor 130 ppm", 130, "ppm"),
        ("工作温度 -55℃", -55, "degree_Celsius"),
        ("主轴转速1.2万转/分", 12000, "revolution/minute"),
        ("depth rating 6,000 m", 6000, "meter"),
        ("2,000 L reactor", 2000, "liter"),
        ("density 480 kg/m³", 480, "kilogram/meter**3"),
        ("密度 450千克/立方米", 450, "kilogram/meter**3"),
    ],
)
def test_value_and_unit_in_each_language(text, value, unit):
    stated = only(text)
    assert stated.value == pytest.approx(value)
    assert stated.unit == unit
    assert text[stated.start : stated.end] == stated.phrase


@pytest.mark.parametrize(
    ("text", "comparator"),
    [
        ("≤0.5 µm", "<="),
        ("0.5µm以下", "<="),
        ("0.5µm未満", "<"),
        ("10 kW以上", ">="),
        ("不大于0.01°/h", "<="),
        ("不小于20 L", ">="),
        ("优于0.01°/h", "better"),
        ("better than 0.01 deg/h", "better"),
        ("< 50 mK", "<"),
        ("> 2 kW", ">"),
        ("±3 µm", "±"),
    ],
)
def test_comparators(text, comparator):
    assert only(text).comparator == comparator


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("2-18 GHz", 2, 18),
        ("10～20 GHz", 10, 20),
        ("10至20 kg", 10, 20),
        ("-40 to +85 °C", -40, 85),
        ("2 GHz to 18 GHz", 2, 18),
        ("10 MHz to 67 GHz", 10, 67_000),  # ends in different units: the upper end in the first one's unit
        ("频率范围 9kHz~26.5GHz", 9, 26_500_000),
        ("20MHz～6GHz", 20, 6_000),
    ],
)
def test_ranges(text, low, high):
    stated = only(text)
    assert (stated.value, stated.upper, stated.comparator) == (low, high, "range")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("drift 1.5×10⁻³ deg/h", 1.5e-3),
        ("stability 5 x10^-7 ppm", 5e-7),
        ("3e-6 ppm", 3e-6),
        ("0,005 mm", 0.005),
        ("1,500 kg", 1500),
        ("1.5万转/分", 15000),
        ("5千转/分", 5000),
    ],
)
def test_number_forms(text, value):
    assert only(text).value == pytest.approx(value)


@pytest.mark.parametrize(
    "text",
    [
        "MPU-6050 breakout",
        "T800 prepreg",
        "5N gallium",
        "4K camera",
        "316L stainless",
        "Zircaloy-4 bar",
        "640x512 array",
        "FIPS 140-2 module",
        "qty 20 pcs",
    ],
)
def test_no_value_is_guessed(text):
    assert extract_quantities(text) == []


def test_full_width_digits_keep_offsets():
    text = "最大出力：５ｋＷ、波長１０７０ｎｍ"
    phrases = [q.phrase for q in extract_quantities(text)]
    assert phrases == ["５ｋＷ", "１０７０ｎｍ"]


def test_conversion_through_pint():
    assert convert(1, "nautical_mile/hour", "meter/second") == pytest.approx(1852 / 3600)
    assert convert(50, "degree_Celsius", "kelvin") == pytest.approx(323.15)


@pytest.mark.parametrize(
    ("text", "value", "phrase"),
    [
        ("热等静压机 有效热区φ500×1200mm", 500, "500×1200mm"),
        ("hot zone Ø 630 x 1,500 mm", 630, "630 x 1,500 mm"),
        ("有効寸法450×450×600mm", 450, "450×450×600mm"),
    ],
)
def test_a_chain_of_dimensions_gives_its_first_in_the_unit_written_last(text, value, phrase):
    found = only(text)
    assert (found.value, found.unit, found.phrase) == (value, "millimeter", phrase)


@pytest.mark.parametrize(
    ("text", "value"),
    [("roller force 3 × 300 kN", 300), ("2 x 600 kW electron guns", 600), ("13×40 W", 40), ("4×1,000 W", 1000)],
)
def test_a_count_of_like_parts_gives_each_parts_value(text, value):
    assert only(text).value == value
    assert only("table 600 x 300 mm").value == 600 and only("3 x 5 x 7 mm").value == 3  # dimensions, not counts


def test_a_distributor_tables_rate_takes_its_unit_from_the_field_name():
    found = only("Number of Bits: 12 | Sampling Rate (Per Second): 250M | Number of Inputs: 2")
    assert (found.value, found.unit) == (250, "megasample/second")
    assert extract_quantities("Number of Bits: 12 | Number of Inputs: 2 | Memory: 4M") == []


def test_a_chain_without_a_unit_and_a_power_of_ten_are_not_dimensions():
    assert extract_quantities("640×512 pixels") == []
    assert only("ultimate pressure 5 × 10⁻⁵ Pa").value == pytest.approx(5e-5)


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("continuous output of 4 kilowatts", 4, "kilowatt"),
        ("digitises at 1.2 gigasamples per second", 1.2, "gigasample/second"),
        ("bandwidth up to 6 gigahertz", 6, "gigahertz"),
        ("a 2.4 metre dish", 2.4, "meter"),
        ("net weight 300 grams", 300, "gram"),
        ("pulse width 20 nanoseconds", 20, "nanosecond"),
        ("evaporation 50 litres per hour", 50, "liter/hour"),
        ("free-inertial drift 0.8 nautical miles per hour", 0.8, "nautical_mile/hour"),
        ("bias stability 0.01 degrees per hour", 0.01, "degree/hour"),
        ("feed rate 500 mm/min", 500, "millimeter/minute"),
        ("responsivity 12 mA/W", 12, "milliampere/watt"),
    ],
)
def test_units_spelled_out_and_rates_in_words_are_read_whole(text, value, unit):
    stated = only(text)
    assert stated.value == pytest.approx(value) and stated.unit == unit
    assert convert(stated.value, stated.unit, unit) == pytest.approx(value)  # pint reads the composed unit


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("volumetric accuracy 6 µm per metre", "micrometer"),  # a length per length is an accuracy, not a rate
        ("5 W per channel", "watt"),  # "channel" is no unit
    ],
)
def test_per_without_a_unit_of_another_kind_keeps_the_unit(text, unit):
    assert only(text).unit == unit


def test_a_rate_in_words_is_not_read_as_its_numerator():
    """A spray dryer's 50 litres per hour is not a 50-litre vessel (2B352.b reads vessel volume in litres)."""
    assert all(q.unit != "liter" for q in extract_quantities("spray dryer, water evaporation 50 litres per hour"))


@pytest.mark.parametrize(
    "text, value, unit",
    [
        ("中心波长1080±5nm；输出功率750W", 1080.0, "nanometer"),
        ("wavelength 1080 +/- 5 nm, output 600 W", 1080.0, "nanometer"),
        ("Wavelength: 1070 nm ± 10 nm", 1070.0, "nanometer"),
        ("密度 17.6±0.1g/cm³", 17.6, "gram/centimeter**3"),
    ],
)
def test_a_tolerance_belongs_to_the_value_before_it(text, value, unit):
    # the first quantity is the value with the tolerance's unit; the tolerance is not a value of its own
    found = [(q.value, q.unit) for q in extract_quantities(text) if q.unit == unit]
    assert found == [(value, unit)]
    # a value written with ± alone is still one
    assert [(q.value, q.comparator) for q in extract_quantities("accuracy ±2 arcsec")] == [(2.0, "±")]
