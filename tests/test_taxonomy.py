import pytest

from classifier.taxonomy import TaxonomyError, default_taxonomy, load_taxonomy

SPEC_IDS = [
    "nuclear",
    "materials",
    "biotech",
    "materials_processing",
    "electronics",
    "computers",
    "telecom",
    "sensors_lasers",
    "navigation_avionics",
    "marine",
    "aerospace",
]


def test_taxonomy_has_the_eleven_spec_labels_in_order():
    taxonomy = default_taxonomy()
    assert taxonomy.ids == SPEC_IDS
    for label in taxonomy.labels:
        assert label.name and label.scope and label.description and label.examples


@pytest.mark.parametrize(
    "code, label",
    [
        ("9A012", "aerospace"),
        ("1C351", "biotech"),
        ("1c353.a", "biotech"),
        ("2B352", "biotech"),
        ("2B001", "materials_processing"),
        ("1C010", "materials"),
        ("0B001", "nuclear"),
        ("5A002", "telecom"),
        ("7A003", "navigation_avionics"),
        ("EAR99", None),
        ("", None),
    ],
)
def test_control_codes_map_to_labels(code, label):
    assert default_taxonomy().label_for_code(code) == label


def test_unknown_label_id_is_an_error_naming_where():
    with pytest.raises(TaxonomyError, match=r"orders.csv:7: unknown label id 'drones'"):
        default_taxonomy().validate_ids(["aerospace", "drones"], "orders.csv:7")


def test_malformed_taxonomy_names_file_and_field(tmp_path):
    path = tmp_path / "taxonomy.yaml"
    path.write_text("labels:\n  - id: nuclear\n    name: Nuclear\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"taxonomy.yaml: labels\[0\]: label 'nuclear' lacks field 'scope'"):
        load_taxonomy(path)
    path.write_text("labels: []\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="non-empty list"):
        load_taxonomy(path)


def test_labels_read_with_their_name_and_control_list_category():
    taxonomy = default_taxonomy()
    assert taxonomy.display("navigation_avionics") == "Navigation and avionics (Cat. 7)"
    assert taxonomy.display("telecom") == "Telecommunications and information security (Cat. 5)"
    assert taxonomy.display("biotech") == "Biological agents and biological equipment (1C351-1C354, 2B352)"
    assert taxonomy.display("drones") == "drones"  # an id the taxonomy does not hold is shown as it is
