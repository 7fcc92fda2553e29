"""Parameter readings per label: an entry met, one below and none met, or nothing to go by; and the head's use of
them."""

import numpy as np

from classifier.entries.quantities import StatedQuantity, normalise
from classifier.entries.reading import Provision, _shortfalls, below_reasons, read_labels, reading_matrix
from classifier.entries.thresholds import BELOW, MEETS, NOT_STATED, Threshold, load_parameters, stated_feature
from classifier.head import EnsembleHead
from classifier.taxonomy import default_taxonomy

LABELS = default_taxonomy().ids


def test_every_condition_of_a_line_must_hold_for_the_line_to_be_met():
    assert read_labels("12-bit ADC, sample rate 3 GSPS, JESD204C", LABELS)["electronics"] == MEETS
    # the same rate at 8 bits meets no line with both conditions; a 250 MSPS 12-bit part is below each one it states
    assert read_labels("12-bit ADC, sample rate 250 MSPS, LVDS outputs", LABELS)["electronics"] == BELOW


def test_lines_under_an_all_of_line_must_all_hold_and_an_unstated_one_keeps_them_from_being_met():
    # 2B004: hot isostatic presses having all of: a. a chamber inside diameter of 406 mm or more; b. any of: ...
    # 1. a maximum working pressure exceeding 207 MPa; ...
    press = "Hot isostatic press, chamber inside diameter {} mm, maximum working pressure 300 MPa"
    assert read_labels(press.format(600), LABELS)["materials_processing"] == MEETS
    assert read_labels(press.format(60), LABELS)["materials_processing"] == BELOW
    assert (
        read_labels("Hot isostatic press, maximum working pressure 300 MPa", LABELS)["materials_processing"]
        == NOT_STATED
    )


def test_a_value_outside_what_a_line_is_for_says_nothing_about_it():
    # 6A005 lines are for wavelength bands: 800 nm is outside all but 6A005.a.4 (540-800 nm, more than 30 W), whose
    # power is not stated: the lines for other bands say nothing about it
    text = "CW Ti:sapphire ring laser, centre wavelength 800 nm, linewidth 100 kHz"
    assert read_labels(text, LABELS)["sensors_lasers"] == NOT_STATED
    assert read_labels(text + ", output power 5 W", LABELS)["sensors_lasers"] == BELOW


def test_no_stated_parameter_reads_nothing_and_other_labels_stay_untouched():
    readings = read_labels("Fibre-optic gyro for navigation, weight 1.2 kg, 28 V", LABELS)
    assert readings["navigation_avionics"] == NOT_STATED and set(readings) == set(LABELS)
    assert set(read_labels("A description without a single number", LABELS).values()) == {NOT_STATED}


def test_special_design_never_reads_below():
    text = "MEMS IMU, gyro bias instability 10°/h"
    assert read_labels(text, LABELS)["navigation_avionics"] == BELOW
    assert read_labels(text + ", specially designed for missile guidance", LABELS)["navigation_avionics"] == NOT_STATED


def test_the_matrix_codes_met_below_and_nothing():
    texts = ["FOG, bias stability 0.01 deg/h", "MEMS IMU, bias instability 10°/h", "a plain cotton T-shirt"]
    matrix = reading_matrix(texts, LABELS)
    column = LABELS.index("navigation_avionics")
    assert matrix[:, column].tolist() == [1, -1, 0] and matrix.dtype == np.int8


def test_the_head_learns_how_far_a_below_reading_lowers_a_score():
    rng = np.random.default_rng(0)
    n, labels = 600, ["a", "b"]
    targets = (rng.uniform(size=(n, 2)) < 0.4).astype(int)
    probs = np.clip(0.25 + 0.5 * targets + rng.normal(0, 0.2, size=(n, 2)), 0.01, 0.99)
    # below readings come mostly with items that do not carry the label
    readings = np.where((targets == 0) & (rng.uniform(size=(n, 2)) < 0.5), -1, 0).astype(np.int8)
    head = EnsembleHead(labels).fit({"m": probs}, ["en"] * n, targets, readings)
    assert head.uses_readings and all(below < -0.5 for _, below in head.reading_offsets_.values())
    plain = head.predict_proba({"m": probs[:5]}, ["en"] * 5)
    read = head.predict_proba({"m": probs[:5]}, ["en"] * 5, readings=np.full((5, 2), -1, dtype=np.int8))
    assert (read < plain).all()
    restored = EnsembleHead.from_dict(labels, head.as_dict())
    np.testing.assert_allclose(
        restored.predict_proba({"m": probs}, ["en"] * n, readings=readings),
        head.predict_proba({"m": probs}, ["en"] * n, readings=readings),
    )


def test_a_value_orders_of_magnitude_from_a_threshold_is_taken_for_another_quantity():
    # an ultimate vacuum is a pressure too, but not the working pressure of an isostatic press (69 MPa or more)
    assert (
        read_labels("Oil diffusion pump, inlet 400 mm, ultimate pressure 5×10⁻⁵ Pa", LABELS)["materials_processing"]
        == NOT_STATED
    )
    press = "Isostatic press, maximum working pressure 5 MPa, chamber inside diameter 300 mm, 1000 °C"
    assert read_labels(press, LABELS)["materials_processing"] == BELOW


def test_an_entry_for_one_material_reads_only_texts_that_name_that_material():
    # 1C216 is maraging steel of 1950 MPa or more: a carbon-fibre fabric's tensile strength says nothing about it
    fabric = "Carbon fibre fabric, plain weave 3K, 200 g/m2; fibre tensile strength 3,530 MPa"
    assert read_labels(fabric, LABELS)["materials"] == NOT_STATED
    steel = "Maraging steel 18Ni(350) forged bar, ultimate tensile strength {} MPa after ageing"
    assert read_labels(steel.format(2350), LABELS)["materials"] == MEETS
    assert read_labels(steel.format(1700), LABELS)["materials"] == BELOW
    # a bench supply's current is not the ion beam current of an isotope separator (1B226, 0B001.j)
    assert read_labels("Programmable bench supply 0-30 V / 0-5 A, USB logging", LABELS)["materials"] == NOT_STATED


def test_a_fibres_specific_modulus_and_strength_are_worked_out_from_its_stress_and_density():
    # 1C210.a: carbon tows of 23.5 x 10^4 m specific tensile strength or more; 4,900 MPa / (1.80 g/cm3 x g) = 27.8
    tow = "Carbon fibre 12K tow, tensile strength {} MPa, tensile modulus 230 GPa, density 1.80 g/cm3"
    assert read_labels(tow.format(4900), LABELS)["materials"] == MEETS
    # woven, it is no longer a tow, yarn or tape (1C210), and 1C010.b's 14.65 x 10^6 m modulus is not reached
    cloth = (
        "Carbon fibre cloth, plain weave; fibre tensile strength 4,900 MPa, tensile modulus 230 GPa, density 1.80 g/cm3"
    )
    assert read_labels(cloth, LABELS)["materials"] == BELOW
    # a felt's bulk density is not its fibres' density: nothing is worked out from it
    felt = "Carbon felt, fibre tensile strength 0.7 GPa, fibre modulus 32 GPa, bulk density 0.09 g/cm3"
    assert read_labels(felt, LABELS)["materials"] == NOT_STATED


def test_a_capacitors_capacitance_and_inductance_are_conditions_of_its_line():
    # 3A201.a.1: more than 1.4 kV, more than 10 J, more than 0.5 µF and less than 50 nH
    capacitor = "Pulse discharge capacitor 40 kV DC, {} ±10%, stored energy 80 J, series inductance 35 nH"
    assert read_labels(capacitor.format("0.1 µF"), LABELS)["electronics"] == BELOW
    assert read_labels(capacitor.format("1.0 µF"), LABELS)["electronics"] == MEETS
    # "电容器" also names the voltage and the energy: the capacitance is still read beside them
    assert read_labels("储能电容器 40kV 0.1μF 储能80J 电感35nH", LABELS)["electronics"] == BELOW
    assert read_labels("储能电容器 40kV 1.0μF 储能800J 电感35nH", LABELS)["electronics"] == MEETS


def test_a_thermal_camera_of_9_hz_or_less_reads_below_and_only_thermal_cameras_are_read_for_it():
    core = "Uncooled VOx thermal core 640 x 512, 12 um, NETD <40 mK, frame rate {}"
    assert read_labels(core.format("30 Hz"), LABELS)["sensors_lasers"] == MEETS
    assert read_labels(core.format("9 Hz"), LABELS)["sensors_lasers"] == BELOW
    assert read_labels("手持红外热像仪 256×192 帧率9Hz 测温-20~550℃", LABELS)["sensors_lasers"] == BELOW
    assert read_labels("Industrial CMOS camera 2.3 MP, 160 fps, GigE", LABELS)["sensors_lasers"] == NOT_STATED


def test_syntactic_foam_must_be_rated_deeper_than_1000_m_and_lighter_than_561_kg_per_m3():
    foam = "Syntactic foam buoyancy block, depth rating {}, density {}"
    assert read_labels(foam.format("6000 m", "540 kg/m³"), LABELS)["marine"] == MEETS
    assert read_labels(foam.format("800 m", "0.45 g/cc"), LABELS)["marine"] == BELOW
    assert read_labels(foam.format("300 m", "350 kg/m3"), LABELS)["marine"] == BELOW


def test_a_discrete_transistor_is_not_read_against_the_mmic_lines():
    # 3A001.b.2.a.4: MMICs over 20 W at 3.2-6.8 GHz; 3A001.b.3.a.4: discrete transistors need more than 60 W there
    transistor = "RF FET GaN-on-SiC HEMT, 5.2-5.9 GHz, Psat 45 W (46.5 dBm) pulsed, 50 V, flanged ceramic"
    assert read_labels(transistor, LABELS)["electronics"] == BELOW
    mmic = "GaN MMIC power amplifier, 4.4-6.0 GHz, Psat 45 W (46.5 dBm) pulsed, 28 V, bare die"
    assert read_labels(mmic, LABELS)["electronics"] == MEETS


def test_an_amplifiers_fractional_bandwidth_is_worked_out_from_its_frequency_range():
    # 3A001.b.2.a and b.4.a need more than 15 % at 2.7-6.8 GHz, b.2.b and b.4.b more than 10 % above 6.8 GHz
    assert (
        read_labels("GaN MMIC power amplifier, 5.2-5.9 GHz (12.6 %), Psat 45 W, bare die", LABELS)["electronics"]
        == BELOW
    )
    radar = "Solid-state X-band transmitter module for marine radar, 9380-9440 MHz, peak output power 200 W"
    assert read_labels(radar, LABELS)["electronics"] == BELOW
    assert read_labels("Wideband GaN SSPA 6-18 GHz, output power 100 W, rack mount", LABELS)["electronics"] == MEETS


def test_an_oscilloscope_is_not_read_against_the_converter_lines():
    # 3A001.a.5 is about converter ICs (and digitisers built on them), not a scope's sample rate and vertical resolution
    scope = "Digital oscilloscope 2 GHz bandwidth, 4 channels, 10 GSa/s sample rate, 12-bit vertical resolution"
    assert read_labels(scope, LABELS)["electronics"] != MEETS
    digitiser = "PCIe digitizer card, 12-bit, 10 GSa/s sample rate, 2 channels, on-board FPGA"
    assert read_labels(digitiser, LABELS)["electronics"] == MEETS


def test_a_feature_the_text_says_the_item_lacks_reads_below_its_line():
    # 2B352.e: steam, gas or vapour sterilisable freeze dryers of 10 kg to under 1000 kg of ice in 24 hours
    dryer = "Pilot freeze dryer, 2.5 m2 shelf area, condenser capacity 30 kg/24 h at -75 °C{}"
    assert read_labels(dryer.format(", SIP and CIP, closed-door sterilisation"), LABELS)["biotech"] == MEETS
    assert read_labels(dryer.format(", CIP only (no SIP)"), LABELS)["biotech"] == BELOW
    assert read_labels(dryer.format(""), LABELS)["biotech"] == NOT_STATED  # the line asks for it, the text is silent
    # 2B352.f.2: fully enclosed (glove ports) and able to run at negative pressure
    assert (
        read_labels("Class II A2 biological safety cabinet, 1.2 m, open front, 30% exhaust", LABELS)["biotech"] == BELOW
    )
    isolator = "Sterility test isolator, four glove ports, H14 HEPA, positive pressure only (+40 Pa)"
    assert read_labels(isolator, LABELS)["biotech"] == BELOW


def test_a_satellite_navigation_receiver_is_read_by_its_antenna_and_its_codes():
    # 7A005: a decryption algorithm for a government ranging code, or an adaptive antenna system
    assert (
        read_labels("Anti-jam GPS receiver, 7-element CRPA, adaptive null steering, 40 dB", LABELS)[
            "navigation_avionics"
        ]
        == MEETS
    )
    timing = "GNSS timing module, GPS/Galileo L1, single antenna input, civil signals only, 1PPS 10 ns"
    assert read_labels(timing, LABELS)["navigation_avionics"] == BELOW
    # nulling by a satellite-communications antenna is not a navigation receiver's
    satcom = "Ku-band flat-panel satcom terminal, electronically steered, adaptive nulling of interferers"
    assert read_labels(satcom, LABELS)["navigation_avionics"] == NOT_STATED


def test_a_text_that_both_names_a_feature_and_says_it_is_lacking_says_nothing_of_it():
    parameter = load_parameters()["enclosed_workspace"]
    both = normalise("Mobile BSL-3 laboratory with a Class II cabinet and a Class III glovebox")
    assert stated_feature(both, parameter) is None
    lacking = stated_feature(normalise("Class II A2 cabinet, front aperture 200 mm"), parameter)
    assert lacking.value == 0 and lacking.phrase == "Class II"
    # words saying it is lacking that contain a word naming it are one statement: "no SIP" is not "SIP"
    sterilisation = load_parameters()["in_situ_sterilisation"]
    assert stated_feature(normalise("Freeze dryer, 20 kg/24 h, no SIP"), sterilisation).value == 0


def test_a_value_under_every_line_of_an_entry_is_below_it_even_where_a_line_bounds_it_from_both_sides():
    # 2B352.e: sterilisable freeze dryers of 10 kg of ice or more, and less than 1000 kg, in 24 hours
    dryer = "Freeze dryer, condenser capacity {} kg/24 h, steam sterilisable in place (SIP)"
    assert read_labels(dryer.format(6), LABELS)["biotech"] == BELOW
    assert read_labels(dryer.format(30), LABELS)["biotech"] == MEETS
    assert read_labels(dryer.format(2000), LABELS)["biotech"] == NOT_STATED  # above the band: outside it, not below
    # a frequency under every band of an entry is another band, not a less capable item
    clock = "Rubidium frequency standard, 10 MHz sine outputs x4, 1PPS, aging 5e-11/month"
    assert read_labels(clock, LABELS)["electronics"] != BELOW


def test_a_feature_named_only_to_be_denied_is_not_read_as_present():
    sterilisation = load_parameters()["in_situ_sterilisation"]
    for denied in (
        "真空冷冻干燥机 冷阱-80℃ 不支持蒸汽灭菌",
        "Freeze dryer, SIP not available",
        "凍結乾燥機 蒸気滅菌不可",
    ):
        assert stated_feature(normalise(denied), sterilisation) is None, denied
    assert stated_feature(normalise("Freeze dryer with SIP"), sterilisation).value == 1.0


def test_a_line_the_item_is_stated_to_fall_in_keeps_the_other_alternatives_from_reading_below():
    # 3A002.e.1: network analysers of more than 20 dBm between 43.5 and 110 GHz; 3A002.e.4: more than 110 GHz. A
    # 67 GHz analyser whose output power is not given may meet e.1, whatever it is of e.4
    analyser = "Vector network analyser, 10 MHz to 67 GHz, 4 ports, 1.85 mm test ports"
    assert read_labels(analyser, LABELS)["electronics"] == NOT_STATED
    assert read_labels(analyser + ", output power +7 dBm at 67 GHz", LABELS)["electronics"] == BELOW
    assert read_labels(analyser + ", output power +23 dBm at 67 GHz", LABELS)["electronics"] == MEETS


def test_co2_lasers_are_read_against_their_own_lines_only():
    # 6A005 Note 2: CO2 lasers are specified only in 6A005.d (CW output power exceeding 15 kW)
    co2 = "Slab-discharge CO2 laser, {} kW continuous wave at 10.6 um, RF excited"
    assert read_labels(co2.format(4), LABELS)["sensors_lasers"] == BELOW
    assert read_labels(co2.format(20), LABELS)["sensors_lasers"] == MEETS
    # 6A005.a.6: 975-1150 nm, single transverse mode output over 1000 W
    fibre = "Single-mode ytterbium fibre laser, wavelength 1070 nm, output power {} W, M2 < 1.1"
    assert read_labels(fibre.format(1500), LABELS)["sensors_lasers"] == MEETS
    assert read_labels(fibre.format(300), LABELS)["sensors_lasers"] == BELOW


def test_a_below_reason_quotes_only_the_values_the_reading_used():
    """A value orders of magnitude from its threshold is taken for another quantity: the line reads below by the
    other value, and the reason quotes that one alone."""
    line = "Amplifiers with output power above 100 W at frequencies above 10 GHz"
    records = (
        Threshold("3A001.b.4.x", "output_power", ">", 100.0, "watt", line, ()),
        Threshold("3A001.b.4.x", "frequency", ">", 10.0, "gigahertz", line, ()),
    )
    provision = Provision(
        "3A001.b.4.x", records, frozenset(), frozenset(), (), True, frozenset({"output_power", "frequency"})
    )
    values = {
        "output_power": StatedQuantity(5.0, "watt", 0, 3, "5 W"),
        "frequency": StatedQuantity(1.0, "megahertz", 10, 15, "1 MHz"),  # 4 orders from 10 GHz
    }
    assert _shortfalls(provision, values, frozenset(), {}) == ["below 3A001.b.4.x: 5 W, needs > 100 watt"]


def test_a_normal_operating_temperature_range_says_nothing_but_an_extreme_one_meets():
    # 5A001.a.3: specially designed to operate below 218 K (-55 °C); nearly every radio states a range inside it,
    # and that says nothing about the entry's other lines (frequency hopping, encryption)
    radio = "Tactical VHF handheld radio, 30-88 MHz, frequency hopping, operating temperature {} to +60 °C"
    assert read_labels(radio.format("-40"), LABELS)["telecom"] == NOT_STATED
    assert below_reasons(radio.format("-40"), {"telecom": ["5A001"]}) == {}
    assert read_labels(radio.format("-60"), LABELS)["telecom"] == MEETS
    # a converter's normal range is not quoted as a shortfall beside the values that are
    reasons = below_reasons("12-bit ADC, 250 MSPS, operating temperature -40 to +85 °C", {"electronics": ["3A001"]})
    assert "250 MSPS" in reasons["electronics"] and "85" not in reasons["electronics"]


def test_the_oscilloscope_line_reads_oscilloscopes_only_and_needs_all_of_its_conditions():
    # 3A002.a.7: real-time oscilloscopes having all of: a. rms noise < 2 % of full scale; b. upper 3 dB frequency
    # > 90 GHz. A radio's or router's band is not an oscilloscope's bandwidth.
    assert below_reasons("Dual-band Wi-Fi router, 2.4 GHz and 5 GHz, 4 antennas", {"electronics": ["3A002"]}) == {}
    scope = "Real-time oscilloscope, {} GHz bandwidth (BW), 4 channels, 10-bit"
    assert "below 3A002.a.7.b: 59 GHz" in below_reasons(scope.format(59), {"electronics": ["3A002"]})["electronics"]
    # the noise condition is not recorded, so a scope above 90 GHz is not read as meeting the line on bandwidth alone
    assert read_labels(scope.format(113), ["electronics"])["electronics"] == NOT_STATED


def test_the_dds_and_adc_ic_lines_read_only_texts_that_name_those_circuits():
    # 3A001.a.13 (DDS: DAC clock and resolution) and 3A001.a.14 (ADC ICs): an oscilloscope's "10-bit" is neither
    scope = "Real-time oscilloscope, analog bandwidth 63 GHz, 160 GSa/s, vertical resolution 10 bit"
    assert read_labels(scope, ["electronics"])["electronics"] == BELOW
    dds = "Direct digital synthesizer IC, 12-bit DAC, DAC clock frequency 3.5 GHz"
    assert read_labels(dds, ["electronics"])["electronics"] == MEETS


def test_entries_stated_in_everyday_parameters_read_only_the_items_they_are_about():
    # a mass, a temperature, an output power or a depth is stated by products of every kind
    assert read_labels("Cordless lawn mower, cutting width 330 mm, weight 10.2 kg", LABELS)["materials"] == NOT_STATED
    assert read_labels("Tungsten heavy alloy block, 95% W, mass 12 kg", LABELS)["materials"] == BELOW  # 1C226.b
    module = "Automotive GNSS/INS module, dual-band RTK, operating temperature -40~85℃"
    assert read_labels(module, LABELS)["materials_processing"] == NOT_STATED  # not a furnace (2B227)
    magnetron = "Microwave oven magnetron 2M219J, 2450 MHz, output power 1,000 W, spare part x5"
    assert "sensors_lasers" not in below_reasons(magnetron, {"sensors_lasers": ["6A005"]})
    laser = "CW fibre laser, single-mode, output power 400 W, 1070 nm"
    assert "below 6A005.a.6" in below_reasons(laser, {"sensors_lasers": ["6A005"]})["sensors_lasers"]
    light = "Underwater video light, 15000 lumen, waterproof to 100 m, for diving photography"
    assert not below_reasons(light, {"marine": ["8A001"]})


def test_parameters_and_subjects_written_in_half_width_kana_are_named():
    # half-width katakana keeps its voiced mark apart after the one-for-one fold ("ﾚｰｻﾞ" is "レーサ" + U+3099)
    gyro = "ﾘﾝｸﾞﾚｰｻﾞｼﾞｬｲﾛ 単軸 ﾊﾞｲｱｽ安定度{} 修理返却品"
    assert read_labels(gyro.format("0.003°/h"), ["navigation_avionics"])["navigation_avionics"] == MEETS
    assert (
        "below 6A005"
        in below_reasons("ﾌｧｲﾊﾞｰﾚｰｻﾞ 連続発振 出力400W 波長1070nm", {"sensors_lasers": ["6A005"]})["sensors_lasers"]
    )


def test_a_pulsed_laser_is_read_against_the_pulsed_lines_of_its_pulse_duration_band():
    # 6A005.a is for continuous-wave lasers, 6A005.b.6 for pulsed ones of 975-1150 nm, by pulse duration
    marker = (
        "MOPA pulsed fibre laser for marking, average output 50 W at 1064 nm, pulse width 2-500 ns, pulse energy 1.5 mJ"
    )
    reason = below_reasons(marker, {"sensors_lasers": ["6A005"]})["sensors_lasers"]
    assert "6A005.b.6.c" in reason and "6A005.a" not in reason
    amplifier = "Femtosecond regenerative amplifier, centre wavelength 1030 nm, pulse width <300 fs, pulse energy 5 mJ"
    assert read_labels(amplifier, ["sensors_lasers"])["sensors_lasers"] == MEETS  # 6A005.b.6.a.3: > 0.002 J
    cw = "CW fibre laser, single-mode, output power 400 W, 1070 nm"
    assert "6A005.b" not in below_reasons(cw, {"sensors_lasers": ["6A005"]})["sensors_lasers"]


def test_biological_synthesizers_are_read_by_the_largest_scale_or_length_they_state():
    # 2B352.j: a 'system synthesis scale' of 1 mmol or more, all reaction vessels together
    peptide = "Parallel peptide synthesizer, 8 reactors, 0.05-0.2 mmol per reactor{}, Fmoc SPPS, induction heating"
    assert "below 2B352.j" in below_reasons(peptide.format(""), {"biotech": ["2B352"]})["biotech"]
    assert read_labels(peptide.format(", 1.6 mmol in all when every reactor is full"), LABELS)["biotech"] == MEETS
    # 2B352.i: continuous nucleic acids longer than 1.5 kb, in nt, bp, mer or kb
    oligo = "Oligo synthesizer, 96 columns, 10-200 nmol scale, maximum length 150 nt{}, phosphoramidite chemistry"
    assert "below 2B352.i" in below_reasons(oligo.format(""), {"biotech": ["2B352"]})["biotech"]
    assembled = oligo.format(", enzymatic assembly station outputs fragments up to 3 kb")
    assert read_labels(assembled, LABELS)["biotech"] == MEETS
    # what a synthesizer makes is not a synthesizer: a gene fragment's length says nothing of 2B352.i
    assert read_labels("Synthetic dsDNA gene fragment, 950 bp, codon-optimised, 2 µg", LABELS)["biotech"] == NOT_STATED


def test_a_nose_only_tower_is_read_by_the_animals_it_exposes_at_once():
    # 2B352.g.2: 12 or more rodents, or 2 or more other animals
    tower = "Nose-only exposure tower, directed flow, {} for {}, aerosol generator included"
    assert (
        "below 2B352.g.2.a" in below_reasons(tower.format("6 ports", "mice or rats"), {"biotech": ["2B352"]})["biotech"]
    )
    assert read_labels(tower.format("24 ports", "mice or rats"), LABELS)["biotech"] == MEETS
    assert read_labels(tower.format("4 animals", "cynomolgus monkeys"), LABELS)["biotech"] == MEETS


def test_a_batch_centrifuge_or_a_homebrew_fermenter_does_not_meet_the_biological_lines():
    centrifuge = "Refrigerated floor centrifuge, 6 x 1,000 mL swing-out rotor, 4,700 x g, batch operation"
    assert "below 2B352.c" in below_reasons(centrifuge, {"biotech": ["2B352"]})["biotech"]
    fermenter = "Stainless conical fermenter, 60 L, {}, tri-clamp ports, dump valve"
    assert read_labels(fermenter.format("SIP-ready"), LABELS)["biotech"] == MEETS  # 2B352.b.1: 20 litres or more
    assert read_labels(fermenter.format("for homebrew beer"), LABELS)["biotech"] == NOT_STATED


def test_an_optical_fibres_proof_stress_is_read_in_kpsi_and_gn_per_square_metre():
    # 5A001.c: optical fibre longer than 500 m with a proof test of 2 x 10^9 N/m2 or more
    fibre = "Bend-insensitive G.657.A2 optical fibre on a 10 km bobbin for tethered drones, proof-tested at {}"
    assert "below 5A001.c" in below_reasons(fibre.format("100 kpsi"), {"telecom": ["5A001"]})["telecom"]
    assert read_labels(fibre.format("2.1 GN/m²"), LABELS)["telecom"] == MEETS
    # a composite's fibre and length are not an optical fibre's
    case = "Carbon-fibre rocket motor case, filament wound, length 7.5 m, diameter 1.4 m"
    assert "telecom" not in below_reasons(case, {"telecom": ["5A001"]})


def test_puffery_that_compares_an_item_with_military_kit_does_not_stop_a_below_reading():
    camera = "Phone thermal camera, 160x120 IR resolution, 9 Hz, -20 to 400 °C, {}"
    assert read_labels(camera.format("built like military gear"), LABELS)["sensors_lasers"] == BELOW
    assert read_labels(camera.format("軍用並みの堅牢設計"), LABELS)["sensors_lasers"] == BELOW
    assert read_labels(camera.format("for military vehicles"), LABELS)["sensors_lasers"] == NOT_STATED


def test_an_item_a_decontrol_note_exempts_reads_below_with_the_words_that_say_so():
    # 6A008 Note: 6A008 does not control civil automotive radar or meteorological (weather) radar
    corner = "Corner radar module for passenger cars, 76-81 GHz FMCW, blind-spot detection, range 0.2-120 m"
    assert read_labels(corner, LABELS)["sensors_lasers"] == BELOW
    assert below_reasons(corner, {"sensors_lasers": ["6A008"]}) == {
        "sensors_lasers": 'below 6A008: its note exempts "Corner radar"'
    }
    assert read_labels("X波段双偏振天气雷达 探测半径60km", LABELS)["sensors_lasers"] == BELOW
    # the words count only for the entry's own subject: a passenger car's turbocharger is not a radar
    assert read_labels("乗用車用 ターボチャージャー 2.0L 新品", LABELS)["sensors_lasers"] == NOT_STATED
    # 2B352.d Note: reverse osmosis and haemodialysis equipment; 2B352.f.2 Note 2: patient transport isolators
    dialyser = "Hollow-fibre dialyser for haemodialysis, polysulfone membrane, surface area 1.8 m², single use"
    assert 'its note exempts "haemodialysis"' in below_reasons(dialyser, {"biotech": ["2B352"]})["biotech"]
    assert read_labels("Patient transport isolator, negative pressure, stretcher type", LABELS)["biotech"] == BELOW
    # 1C010.b Note b: mechanically chopped or milled carbon fibre of 25 mm or less
    assert read_labels("Chopped carbon fiber 6 mm, PAN-based, for PA66 compounding", LABELS)["materials"] == BELOW
    # special design for a military use outweighs the note's words
    radar = "Weather radar, X-band, specially designed for missile range safety"
    assert read_labels(radar, LABELS)["sensors_lasers"] == NOT_STATED


def test_metal_powders_and_bars_are_read_by_content_particle_size_and_diameter():
    # 1C240.a: nickel powder of 99.0 % or more with a mean particle size under 10 µm
    powder = "Nickel powder, {}, Ni 99.7%, 25 kg pail"
    assert "below 1C240.a.2" in below_reasons(powder.format("D50 40 µm"), {"materials": ["1C240"]})["materials"]
    assert read_labels(powder.format("Fisher sub-sieve size 3 µm"), LABELS)["materials"] == MEETS
    # 1C117.a: tungsten particulate of 97 % or more and 50 µm or less
    assert read_labels("钨粉 费氏粒度 2.0μm W≥99.9% 50kg/桶", LABELS)["materials"] == MEETS
    # 1C202.b.2: titanium alloy tubes and bars more than 75 mm across; a disc's diameter is not a bar's
    bar = "Ti-6Al-4V round bar, diameter {} mm, UTS 950 MPa"
    assert "below 1C202.b.2" in below_reasons(bar.format(12), {"materials": ["1C202"]})["materials"]
    assert read_labels(bar.format(120), LABELS)["materials"] == MEETS
    assert read_labels("Titanium sputtering disc, diameter 50 mm, UTS 950 MPa", LABELS)["materials"] == NOT_STATED


def test_a_uav_of_half_an_hour_to_an_hour_needs_its_gust_rating_as_well():
    # 9A012.a.1: 30 minutes or more but less than 1 hour, and stable flight in gusts of 46.3 km/h (25 knots) or more
    drone = "Survey VTOL drone, max flight time 55 min, wind resistance {}, PPK camera"
    assert "below 9A012.a.1.b" in below_reasons(drone.format("11 m/s"), {"aerospace": ["9A012"]})["aerospace"]
    assert read_labels(drone.format("15 m/s (54 km/h)"), LABELS)["aerospace"] == MEETS
    assert read_labels("六旋翼无人机 可在阵风14米/秒条件下正常悬停 最大续航50分钟", LABELS)["aerospace"] == MEETS
    # a.2: one hour or more, whatever the wind; under 30 minutes is below every line
    assert read_labels("Fixed-wing UAV, endurance 6 h, catapult launch", LABELS)["aerospace"] == MEETS
    assert read_labels("Toy drone with camera, flight time 12 min", LABELS)["aerospace"] == BELOW


def test_a_chemical_reactor_of_plain_stainless_steel_is_below_2b350():
    # 2B350.a: reactors of 0.1 to 20 m3 whose wetted surfaces are all of a listed corrosion-resistant material
    reactor = "Jacketed reactor, total volume 1000 L, SUS316L inner vessel, {}, anchor agitator"
    assert (
        "below 2B350.a"
        in below_reasons(reactor.format("unlined"), {"materials_processing": ["2B350"]})["materials_processing"]
    )
    assert read_labels(reactor.format("glass-lined"), LABELS)["materials_processing"] != BELOW


def test_a_machine_tool_is_read_against_the_lines_for_its_kind_and_a_measuring_range_from_zero_is_no_accuracy():
    # 2B001.a is for turning, b for milling, c for grinding; 2B001.c's note exempts cylindrical grinders limited to
    # 150 mm workpieces, and surface grinders
    grinder = "CNC cylindrical grinder, 2 axes, max workpiece 150 mm, unidirectional repeatability 0.5 µm{}"
    assert read_labels(grinder.format(""), LABELS)["materials_processing"] == MEETS
    reason = below_reasons(grinder.format(", limited to cylindrical grinding"), {"materials_processing": ["2B001"]})
    assert 'its note exempts "limited to cylindrical grinding"' in reason["materials_processing"]
    assert read_labels("Used CNC surface grinder, positioning 0.5 µm", LABELS)["materials_processing"] == BELOW
    # 2B201's lines are of the same kinds (a milling, b grinding, c turning): a 5 µm grinder is not a 6 µm mill
    surface = "CNC precision surface grinder, 2-axis contouring, positioning accuracy 0.005 mm, linear scales"
    assert read_labels(surface, LABELS)["materials_processing"] == BELOW
    # "0~80 m" is the interferometer's measuring range, not an accuracy of nil
    interferometer = "双频激光干涉仪 测量距离0~80m 用于数控机床定位精度检测"
    assert read_labels(interferometer, LABELS)["materials_processing"] == NOT_STATED


def test_a_frequency_hopping_radio_of_1_w_or_less_is_below_5a001_b_3():
    # 5A001.b.3's note: spread-spectrum radios designed for an output power of 1 W or less are not controlled
    module = "2.4 GHz FHSS transceiver module, 79 channels, transmit power {}, telemetry"
    assert "below 5A001.b.3" in below_reasons(module.format("10-500 mW"), {"telecom": ["5A001"]})["telecom"]
    assert "telecom" not in below_reasons(module.format("0.5-5 W"), {"telecom": ["5A001"]})
    # 30 dBm is 1 W exactly (not 1.0000000000000007 W), and a parenthesis does not end the phrase before "Output"
    radio = "915MHz Telemetry Radio, FHSS Frequency Hopping, 1W (30dBm) Max Output, 40km LOS"
    assert read_labels(radio, LABELS)["telecom"] == BELOW


def test_a_value_leading_a_title_is_read_for_the_noun_it_qualifies():
    # a value counts before its keyword across a phrase ("5 L autoclavable bench-top fermenter"), not across a clause
    assert read_labels("5 L autoclavable bench-top fermenter, borosilicate vessel", LABELS)["biotech"] == BELOW
    assert read_labels("Buffer tank 5 L, pairs with any bench-top fermenter", LABELS)["biotech"] == NOT_STATED


def test_graphite_is_read_by_its_bulk_density_and_grain_and_anode_graphite_is_not_1c107():
    # 1C107.a: fine-grain graphite of 1.72 g/cm3 or more and grains of 100 µm or less
    block = "Isostatic graphite block 300 x 300 x 100 mm, bulk density {}, grain size 15 µm, ash 300 ppm"
    assert read_labels(block.format("1.70 g/cm³"), LABELS)["materials"] == BELOW
    assert read_labels(block.format("1.85 g/cm³"), LABELS)["materials"] != BELOW
    anode = "球形石墨 负极材料 D50 15μm 振实密度1.02g/cm³ 固定碳99.95%"
    assert read_labels(anode, LABELS)["materials"] == NOT_STATED


def test_syntactic_foam_needs_both_depth_and_density_and_msw_is_a_depth_in_metres():
    # 8C001: syntactic foam for marine depths exceeding 1000 m and a density less than 561 kg/m3
    foam = "Syntactic foam blocks for ROV floats, rated working depth {} msw, density 0.40 g/cm³"
    assert read_labels(foam.format("800"), LABELS)["marine"] == BELOW
    assert read_labels(foam.format("6,000"), LABELS)["marine"] == MEETS


def test_the_position_7A003_b_counts_is_the_one_held_after_the_aiding_references_are_lost():
    # 7A003.b: less than 10 m "CEP" after loss of all 'positional aiding references' for up to 4 minutes; the accuracy
    # with GNSS or RTK in use is met by any receiver and says nothing
    with_gnss = "GNSS/INS module, dual-band RTK, position accuracy 0.02 m CEP, gyro bias instability 5°/h"
    assert read_labels(with_gnss, ["navigation_avionics"])["navigation_avionics"] == BELOW
    held = "GNSS/INS unit; after GNSS loss the position holds to {} m CEP for 240 s"
    assert read_labels(held.format(5), ["navigation_avionics"])["navigation_avionics"] == MEETS
    assert read_labels(held.format(25), ["navigation_avionics"])["navigation_avionics"] == BELOW
    assert (
        read_labels("组合导航 卫星失锁60秒水平位置误差≤5m(CEP)", ["navigation_avionics"])["navigation_avionics"]
        == MEETS
    )


def test_the_position_after_aiding_loss_is_the_largest_stated_over_the_period():
    # pages give it at several times; 7A003.b asks for the whole period of up to 4 minutes
    held = "GNSS/INS module; after GNSS loss: 0.8 m at 10 s, {} m at 60 s (CEP)"
    assert read_labels(held.format(12), ["navigation_avionics"])["navigation_avionics"] == BELOW
    assert read_labels(held.format(8), ["navigation_avionics"])["navigation_avionics"] == MEETS


def test_a_laser_interferometer_is_read_only_against_the_lines_for_laser_systems_and_their_note():
    # 2B006.b Note: laser measuring systems are only specified in 2B006.b.3 and 2B206.c; 2B206.c Note: it does not
    # control interferometers without closed or open loop feedback that measure machine tools' slide errors
    calibrator = (
        "Laser interferometer calibration kit, HeNe laser, resolution 1 nm, linear accuracy ±0.5 ppm, range 80 m"
    )
    assert read_labels(calibrator, ["materials_processing"])["materials_processing"] == NOT_STATED  # not 2B006.b.1
    offline = calibrator + "; used off-line, no closed- or open-loop feedback to the machine"
    reason = below_reasons(offline, {"materials_processing": ["2B006", "2B206"]})["materials_processing"]
    assert "2B206.c" in reason and "2B006.b.1" not in reason


def test_a_paragraph_stated_in_everyday_parameters_reads_only_the_items_it_lists():
    # subjects.yaml: 3A001.a.2's temperature ratings are for integrated circuits, 3A001.a.5's converters are not an
    # oscilloscope's, 3B001.f's feature size is a lithography tool's, 9A012.b.4's altitude an engine's, 6A002.a.3.c's
    # spectral band not a thermopile array's (Note 2) nor a microbolometer's (its N.B.: 6A002.a.3.f only), 1C210.b is
    # for glass fibre
    def reading(text, label):
        return read_labels(text, [label])[label]

    assert (
        reading("Vacuum annealing furnace, working temperature 750 °C, hot zone 400 x 400 mm", "electronics")
        == NOT_STATED
    )
    assert reading("Microcontroller, 32-bit, rated -55 °C to +125 °C ambient, ceramic package", "electronics") == MEETS
    assert reading("ADC, 10-bit, 1.5 GSPS, JESD204B", "electronics") == MEETS
    assert (
        reading("Real-time oscilloscope, 33 GHz bandwidth, 80 GSa/s, 10-bit ADC", "electronics") == BELOW
    )  # 3A002.a.7
    assert reading("Laser interferometer, resolution 1 nm, for machine tool calibration", "electronics") == NOT_STATED
    assert reading("ArF immersion step-and-scan scanner, resolution 38 nm, 193 nm", "electronics") == MEETS
    assert (
        reading("GNSS module for drones, civil limits: velocity 500 m/s, altitude 50,000 m", "aerospace") == NOT_STATED
    )
    assert reading("Rotary engine for UAVs, rated to 18,000 m altitude", "aerospace") == MEETS
    thermopile = "Thermopile array sensor, 80 x 64 elements, spectral response 8-14 µm"
    assert reading(thermopile, "sensors_lasers") == NOT_STATED
    assert reading("Cooled MCT focal plane array, 640 x 512, spectral response 3.7-4.8 µm", "sensors_lasers") == MEETS
    tow = "Carbon fibre 50K tow, tensile strength 3,500 MPa, modulus 200 GPa, density 1.80 g/cm3, {}"
    assert reading(tow.format("stiffer than glass"), "materials") == BELOW  # not read against 1C210.b's glass lines
    assert reading(tow.format("for wind blades"), "materials") == BELOW


def test_an_oscilloscope_meets_3A002_a_7_only_with_both_its_noise_and_its_bandwidth():
    scope = "Real-time oscilloscope, 110 GHz analogue bandwidth on 2 channels, 256 GSa/s, {}"
    assert read_labels(scope.format("RMS noise 0.8% of full scale"), ["electronics"])["electronics"] == MEETS
    assert read_labels(scope.format("RMS noise 3% of full scale"), ["electronics"])["electronics"] == BELOW
    assert read_labels(scope.format("decodes 224 Gb/s PAM4 links"), ["electronics"])["electronics"] == NOT_STATED


def test_a_lasers_wavelength_is_not_a_detectors_band_and_a_beer_fermenter_is_not_2B352_b():
    laser = "1470nm medical diode laser module, fibre-coupled, centre wavelength 1470±10nm, CW output 2W"
    assert read_labels(laser, ["sensors_lasers"])["sensors_lasers"] != MEETS  # not 6A002.a.3.c's 1200-30000 nm
    fpa = "InGaAs focal plane array 640 x 512, spectral response 0.9-1.7 µm"
    assert read_labels(fpa, ["sensors_lasers"])["sensors_lasers"] == MEETS
    tank = "{} fermenter 1000 L, stainless steel, cooling jacket, open manway"
    assert read_labels(tank.format("Craft beer"), ["biotech"])["biotech"] == NOT_STATED
    assert read_labels(tank.format("Microbial"), ["biotech"])["biotech"] == MEETS
