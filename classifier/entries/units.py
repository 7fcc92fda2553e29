"""Units: the pint registry (with the definitions in units.txt) and the written forms of units in en/zh/ja text."""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from pathlib import Path

import pint

DEFINITIONS = Path(__file__).with_name("units.txt")
PREFIXES = {
    "f": "femto",
    "p": "pico",
    "n": "nano",
    "u": "micro",
    "µ": "micro",
    "μ": "micro",
    "m": "milli",
    "": "",
    "k": "kilo",
    "K": "kilo",
    "M": "mega",
    "G": "giga",
    "T": "tera",
    "P": "peta",
}
PREFIX_WORDS = ("femto", "pico", "nano", "micro", "milli", "centi", "kilo", "mega", "giga", "tera")
PREFIXES.update({word: word for word in PREFIX_WORDS})
_PREFIX_WORD = rf"(?:({'|'.join(PREFIX_WORDS)})-?)?"
_HOUR = r"(?:hours?|hrs?|h|小时|小時|时|時間|時)"
_SECOND = r"(?:sec|s|秒)"
_DEGREE = r"(?:degrees?|deg|°|º|度)"
_ROOT = r"(?:√|sqrt\s*\(?\s*|rt-?|root-?)"
_MICRO = r"(?:µ|μ|u)"
_LATIN_END = r"(?![A-Za-z])"
# A unit written as "g" is a gram or, in acceleration context, the standard gravity: decided by the words around it.
GEE = "gee"
_GEE_CONTEXT = re.compile(
    r"acceler|shock|vibrat|bias|\bIMU\b|gyro|\bg[- ]?range|加速度|冲击|振动|零偏|衝撃|振動|バイアス|陀螺|ジャイロ",
    re.IGNORECASE,
)
# Distributors' parametric tables give a rate's unit in the field name: "Sampling Rate (Per Second): 250M"
_PER_SECOND_FIELD = re.compile(r"\(per second\)", re.IGNORECASE)
_BARE_PREFIX = re.compile(r"([kMG])(?![A-Za-z0-9/])")
_MASS_WORDS = re.compile(r"mass|weight|weighs|重量|质量|質量|重さ|净重|毛重", re.IGNORECASE)
_RADIO_CONTEXT = re.compile(
    r"wi-?fi|jam|band|antenna|天线|频段|屏蔽|干扰|信号|電波|アンテナ|GPS|LTE|\b[345]G\b", re.IGNORECASE
)

# (pattern, pint expression); a "{p}" in the expression takes the SI prefix captured by the pattern's first group.
# Ordered so that compound forms (deg/h, nm/hr, m³/h) are tried before their parts (deg, nm, m).
UNIT_FORMS: tuple[tuple[str, str], ...] = (
    # SI units spelled out in English, with or without a prefix word ("4 kilowatts", "1.2 gigasamples", "500 grams")
    (rf"{_PREFIX_WORD}watts?{_LATIN_END}", "{p}watt"),
    (rf"{_PREFIX_WORD}hertz{_LATIN_END}", "{p}hertz"),
    (rf"{_PREFIX_WORD}volts?{_LATIN_END}", "{p}volt"),
    (rf"{_PREFIX_WORD}(?:amperes?|amps?){_LATIN_END}", "{p}ampere"),
    (rf"{_PREFIX_WORD}joules?{_LATIN_END}", "{p}joule"),
    (rf"{_PREFIX_WORD}pascals?{_LATIN_END}", "{p}pascal"),
    (rf"{_PREFIX_WORD}(?:grams?|grammes?){_LATIN_END}", "{p}gram"),
    (rf"{_PREFIX_WORD}(?:metres?|meters?){_LATIN_END}", "{p}meter"),
    (rf"{_PREFIX_WORD}(?:litres?|liters?){_LATIN_END}", "{p}liter"),
    (rf"{_PREFIX_WORD}samples?{_LATIN_END}", "{p}sample"),
    (rf"(nano|micro|milli|pico|femto)-?seconds?{_LATIN_END}", "{p}second"),
    (rf"{_DEGREE}\s*/\s*{_ROOT}\s*{_HOUR}\)?{_LATIN_END}", "degree/hour**0.5"),
    (rf"{_DEGREE}\s*/\s*{_HOUR}{_LATIN_END}", "degree/hour"),
    (r"度每小时", "degree/hour"),
    (rf"{_DEGREE}\s*/\s*{_SECOND}{_LATIN_END}|dps{_LATIN_END}", "degree/second"),
    (rf"(?:nm|NM|nmi|n\.\s?mile|海里|海哩)\s*/\s*{_HOUR}{_LATIN_END}", "nautical_mile/hour"),
    (rf"([fpn])T\s*/\s*{_ROOT}\s*Hz\)?", "{p}tesla/hertz**0.5"),
    (rf"([kMGT])(?:SPS|sps|Sps|S/s|Sa/s|SaPS|samples?/s(?:ec)?){_LATIN_END}", "{p}sample/second"),
    (r"(?:SPS|sps|samples?/s(?:ec)?)(?![A-Za-z])|采样/秒", "sample/second"),
    (r"([kMGT]?)(?:bps|bit/s|b/s)(?![A-Za-z])", "{p}bit/second"),
    (r"([GTP])(?:FLOPS|flops|FLOP/s)(?![A-Za-z])", "{p}flop/second"),
    (r"(?:fps|FPS|frames?/s(?:ec)?|帧/秒|帧每秒|フレーム/秒)(?![A-Za-z])", "frame/second"),
    (r"(?:rpm|RPM|r/min|rev/min|min⁻¹|min-1|转/分钟|转/分|转每分|回転/分)(?![A-Za-z])", "revolution/minute"),
    (r"(?:m³|m3|立方米)\s*/\s*(?:h|hr|小时|時間|時)(?![A-Za-z])", "meter**3/hour"),
    (r"(?:L|l|升|リットル)\s*/\s*(?:min|分钟|分)(?![A-Za-z])|lpm(?![A-Za-z])", "liter/minute"),
    (r"(?:L|l|升)\s*/\s*(?:h|hr|小时)(?![A-Za-z])", "liter/hour"),
    (r"(?:kg|公斤)\s*/\s*(?:h|hr|小时|時間|時)(?![A-Za-z])", "kilogram/hour"),
    (r"(?:g/m²|g/m2|gsm|克/平方米)(?![A-Za-z0-9])", "gram/meter**2"),
    (r"(?:L|l|升)\s*/\s*(?:s|sec|秒)(?![A-Za-z])", "liter/second"),
    (r"(?:km/h|kph|km/hr|公里/小时|キロ/時|km/時)(?![A-Za-z])", "kilometer/hour"),
    (r"(?:m/s²|m/s2|m/s\^2|米/秒²)(?![A-Za-z])", "meter/second**2"),
    (r"(?:m/s|米/秒|メートル/秒)(?![A-Za-z0-9²])", "meter/second"),
    (r"(?:g/cm³|g/cm3|g/cc|克/立方厘米)(?![A-Za-z])", "gram/centimeter**3"),
    (r"(?:kg|公斤|千克)\s*/\s*(?:m³|m3|m\^3|立方米)(?![A-Za-z0-9])", "kilogram/meter**3"),
    (r"dBm/Hz(?![A-Za-z])", "dBm/hertz"),
    (r"dBm(?![A-Za-z])", "dBm"),
    (r"(?:Wh/kg|W·h/kg|瓦时/千克)(?![A-Za-z])", "watt_hour/kilogram"),
    (r"(?:WT|Weighted TeraFLOPS)(?![A-Za-z])", "weighted_teraflops"),
    (r"([k]?)VA(?![A-Za-z])", "{p}volt_ampere"),
    (r"r\.p\.m\.?", "revolution/minute"),
    (r"([kMGT]?)Hz(?![A-Za-z])", "{p}hertz"),
    (r"(?:兆赫兹|兆赫|メガヘルツ)", "megahertz"),
    (r"(?:千赫兹|千赫|キロヘルツ)", "kilohertz"),
    (r"(?:吉赫兹|吉赫|ギガヘルツ|GHZ)", "gigahertz"),
    (r"(?:赫兹|ヘルツ)", "hertz"),
    (r"(?:千瓦|キロワット)", "kilowatt"),
    (r"(?:兆瓦|メガワット)", "megawatt"),
    (r"(?:毫瓦|ミリワット)", "milliwatt"),
    (r"(?:瓦特|瓦|ワット)", "watt"),
    (r"([mkMG]?)W(?![A-Za-z]|-\d)", "{p}watt"),
    (r"(?:毫焦耳|毫焦|ミリジュール)", "millijoule"),
    (r"(?:焦耳|焦|ジュール)", "joule"),
    (rf"([mkµμu]?)J{_LATIN_END}", "{p}joule"),
    (r"(?:千伏|キロボルト)", "kilovolt"),
    (r"(?:伏特|伏|ボルト)", "volt"),
    (rf"([mkM]?)V{_LATIN_END}", "{p}volt"),
    (rf"([mk]?)A{_LATIN_END}", "{p}ampere"),
    (rf"([pnµμum])F{_LATIN_END}", "{p}farad"),  # prefixed only: a bare F is a grade, a fluoropolymer or Fahrenheit
    (r"(?:微法|マイクロファラド)", "microfarad"),
    (r"(?:纳法|ナノファラド)", "nanofarad"),
    (r"(?:皮法|ピコファラド)", "picofarad"),
    (rf"([pnµμum])H{_LATIN_END}", "{p}henry"),
    (r"(?:纳亨|ナノヘンリー)", "nanohenry"),
    (r"(?:微亨|マイクロヘンリー)", "microhenry"),
    (r"(?:兆帕|メガパスカル)", "megapascal"),
    (r"(?:千帕|キロパスカル)", "kilopascal"),
    (r"(?:吉帕|ギガパスカル)", "gigapascal"),
    (rf"([kMG]?)Pa{_LATIN_END}", "{p}pascal"),
    (rf"(m?)bar{_LATIN_END}", "{p}bar"),
    (rf"(k?)psi{_LATIN_END}", "{p}psi"),
    (r"([kMG]?)N/(?:m²|m2)(?![A-Za-z0-9])", "{p}newton/meter**2"),
    (rf"(m?)[Tt]orr{_LATIN_END}", "{p}torr"),
    (rf"(?:nm|纳米|ナノメートル|ナノメーター){_LATIN_END}", "nanometer"),
    (
        rf"(?:{_MICRO}m|microns?|micrometers?|micrometres?|微米|ミクロン|マイクロメートル|マイクロメーター|㎛){_LATIN_END}",
        "micrometer",
    ),
    (rf"(?:mm|毫米|ミリメートル|ミリ){_LATIN_END}", "millimeter"),
    (rf"(?:cm|厘米|センチメートル|センチ){_LATIN_END}", "centimeter"),
    (rf"(?:km|公里|千米|キロメートル){_LATIN_END}", "kilometer"),
    (rf"(?:nmi|海里|海哩|nautical miles?){_LATIN_END}", "nautical_mile"),
    (rf"(?:Å|angstroms?){_LATIN_END}", "angstrom"),
    (rf"(?:inch(?:es)?|英寸|インチ){_LATIN_END}", "inch"),
    (rf"(?:ft|feet|英尺|フィート){_LATIN_END}", "foot"),
    (r"(?:m³|m3|立方米|立方メートル)(?![A-Za-z0-9])", "meter**3"),
    (r"(?:m²|m2|平方米|平方メートル)(?![A-Za-z0-9])", "meter**2"),
    (r"(?:cm³|cm3|cc)(?![A-Za-z0-9])", "centimeter**3"),
    (rf"(?:m|msw|米|メートル|metres?|meters?){_LATIN_END}", "meter"),  # msw: metres of sea water, a depth
    (rf"(?:arc-?sec(?:onds?)?|arcsec|角秒|″){_LATIN_END}", "arcsecond"),
    (rf"(?:arc-?min(?:utes?)?|角分|′){_LATIN_END}", "arcminute"),
    (r"(?:毫弧度|ミリラジアン)", "milliradian"),
    (r"(?:微弧度|マイクロラジアン)", "microradian"),
    (rf"([mµμu])rad{_LATIN_END}", "{p}radian"),
    (r"(?:°C|℃|ºC|摄氏度|度C)", "degree_Celsius"),
    (rf"{_DEGREE}(?![A-Za-z])", "degree"),
    (rf"mK{_LATIN_END}", "millikelvin"),
    (rf"(m?)T{_LATIN_END}|特斯拉|テスラ", "{p}tesla"),
    (rf"(?<=\s)K{_LATIN_END}|开尔文|ケルビン", "kelvin"),
    (r"([k]?)rads?\s*\(\s*Si\s*\)", "{p}rads"),
    (rf"([kM])rads?{_LATIN_END}", "{p}rads"),
    (rf"(?:Gy|gray|戈瑞|グレイ){_LATIN_END}", "gray"),
    (rf"(?:kgf|公斤力){_LATIN_END}", "kilogram_force"),
    (rf"(?:kg|kgs|公斤|千克|キログラム|㎏){_LATIN_END}", "kilogram"),
    (rf"(?:tonnes?|tons?|t|吨|トン){_LATIN_END}", "tonne"),
    (rf"(?:lbf){_LATIN_END}", "force_pound"),
    (rf"(?:lbs?|pounds?){_LATIN_END}", "pound"),
    (rf"(k?)N{_LATIN_END}(?<=\sN|kN)|牛顿|ニュートン", "{p}newton"),
    (rf"(?:micro[- ]?g|{_MICRO}g|微克|マイクログラム){_LATIN_END}", f"micro{GEE}"),
    (rf"(?:milli[- ]?g|mg|毫克|ミリグラム){_LATIN_END}", f"milli{GEE}"),
    (rf"(?:g|克|グラム|Gs){_LATIN_END}", GEE),
    (rf"(?:mL|ml|毫升|ミリリットル){_LATIN_END}", "milliliter"),
    (rf"(?:L|litres?|liters?|升|リットル|ℓ){_LATIN_END}", "liter"),
    (rf"(?:gal|gallons?){_LATIN_END}", "gallon"),
    (rf"(?:fs|飞秒|フェムト秒){_LATIN_END}", "femtosecond"),
    (rf"(?:ps|皮秒|ピコ秒){_LATIN_END}", "picosecond"),
    (rf"(?:ns|纳秒|ナノ秒){_LATIN_END}", "nanosecond"),
    (rf"(?:{_MICRO}s|微秒|マイクロ秒){_LATIN_END}", "microsecond"),
    (rf"(?:ms|毫秒|ミリ秒){_LATIN_END}", "millisecond"),
    (rf"(?:min|mins|minutes?|分钟|分間){_LATIN_END}", "minute"),
    (rf"(?:hours?|hrs?|h|小时|小時|時間){_LATIN_END}", "hour"),
    (rf"(?:days?|天){_LATIN_END}", "day"),
    (rf"(?:sec|secs|seconds?|s|秒){_LATIN_END}", "second"),
    (r"(?:%|％|percent|パーセント)", "percent"),
    (rf"ppm{_LATIN_END}", "ppm"),
    (rf"ppb{_LATIN_END}", "ppb"),
    (r"(?:bits?|位|ビット)(?![A-Za-z])", "bit"),
    (r"(?:knots?|kn|kt|ノット)(?![A-Za-z])", "knot"),
    # amounts of substance (a peptide synthesizer's scale), nucleic acid lengths and animals counted (exposure ports)
    (r"([mµμun]?)mol(?![A-Za-z])", "{p}mole"),
    (r"(?:毫摩尔|ミリモル)", "millimole"),
    (r"(?:微摩尔|マイクロモル)", "micromole"),
    (r"(?:kb|kbp|kilobases?|千碱基)(?![A-Za-z])", "kilonucleotide"),
    (r"(?:nt|bp|mer|bases|碱基|塩基)(?![A-Za-z])", "nucleotide"),
    (r"(?:animals?|rodents?|mice|rats?|ports?|只|匹|頭)(?![A-Za-z])", "animal"),
    (r"(?:hp|HP|马力|馬力)(?![A-Za-z])", "horsepower"),
)
_COMPILED = tuple((re.compile(pattern), expression) for pattern, expression in UNIT_FORMS)


_registry: pint.UnitRegistry | None = None
_registry_lock = threading.Lock()


def registry() -> pint.UnitRegistry:
    """Return the shared unit registry: pint's defaults plus units.txt.

    Made once under a lock: request threads may ask for it at the same moment, and units of two registries cannot be
    compared.
    """
    global _registry
    if _registry is None:
        with _registry_lock:
            if _registry is None:
                units = pint.UnitRegistry()
                units.load_definitions(str(DEFINITIONS))
                _registry = units
    return _registry


def _gee_or_gram(expression: str, text: str, position: int, context: str, whole: str) -> str:
    """Read a "g" unit: micro/milli-g anywhere in an acceleration text, a plain g only with acceleration words
    around it and no mass word just before; a "5.8g" written against radio words is the 5.8 GHz band."""
    if expression == GEE and position > 0 and text[position - 1].isdigit() and _RADIO_CONTEXT.search(context):
        return "gigahertz"
    if expression != GEE:
        gravity = bool(_GEE_CONTEXT.search(whole or context))
    else:
        clause = re.split(r"[,;，；、。|]", text[max(0, position - 24) : position])[-1]
        gravity = bool(_GEE_CONTEXT.search(context)) and not _MASS_WORDS.search(clause)
    return expression.replace(GEE, "standard_gravity" if gravity else "gram")


def match_unit(text: str, position: int, context: str = "", whole: str = "") -> tuple[str, int] | None:
    """Return (pint expression, end offset) of the unit written at text[position:], or None.

    A "g" family unit becomes standard gravity when the words around it (`context`, or the `whole` text for
    micro-g and milli-g) speak of acceleration, otherwise grams; a bare prefix is samples per second in a field
    named "(Per Second)".
    """
    for pattern, expression in _COMPILED:
        match = pattern.match(text, position)
        if not match:
            continue
        if "{p}" in expression:
            expression = expression.replace("{p}", PREFIXES[match.group(1) or ""])
        if GEE in expression:
            expression = _gee_or_gram(expression, text, position, context, whole)
        return expression, match.end()
    if _PER_SECOND_FIELD.search(context) and (bare := _BARE_PREFIX.match(text, position)):
        return f"{PREFIXES[bare.group(1)]}sample/second", bare.end()
    return None


def quantity(value: float, unit: str) -> pint.Quantity:
    """Return a pint Quantity for a value in a unit expression."""
    return registry().Quantity(value, unit)


@lru_cache(maxsize=16384)
def _root_units(unit: str):
    """Return the unit's root units (None when pint cannot read it); remembered per unit, since pint is slow."""
    try:
        return quantity(1, unit).to_root_units().units
    except pint.errors.PintError:
        return None


@lru_cache(maxsize=16384)
def same_kind(unit: str, other: str) -> bool:
    """Return True when the two units measure the same thing (same root units, so deg/h is not Hz); remembered per
    pair, since comparing pint units is slow."""
    root = _root_units(unit)
    return root is not None and root == _root_units(other)


@lru_cache(maxsize=4096)
def _affine(unit: str, target: str) -> tuple[float, float] | None:
    """Return (scale, offset) with target = scale * value + offset when the conversion is affine (every unit but the
    logarithmic ones such as dBm), else None; remembered per pair, since pint's conversion is slow."""
    try:
        zero, one, ten = (float(quantity(x, unit).to(target).magnitude) for x in (0.0, 1.0, 10.0))
    except (pint.errors.PintError, ArithmeticError, ValueError):
        return None
    scale = one - zero
    return (scale, zero) if abs(zero + 10.0 * scale - ten) <= 1e-9 * max(1.0, abs(ten)) else None


def convert(value: float, unit: str, target: str) -> float:
    """Return value expressed in the target unit, to 12 significant digits: a conversion's rounding error must not
    put a value on the other side of a threshold it equals (30 dBm is 1 W, not 1.0000000000000007 W)."""
    affine = _affine(unit, target)
    converted = float(quantity(value, unit).to(target).magnitude) if affine is None else affine[0] * value + affine[1]
    return float(f"{converted:.12g}")


def known_unit(unit: str) -> bool:
    """Return True when pint (with units.txt) understands the unit expression."""
    try:
        quantity(1, unit)
    except (pint.errors.PintError, AttributeError, TypeError, ValueError, SyntaxError):
        return False
    return True
