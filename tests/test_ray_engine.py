"""The Ray engine labels a catalog exactly like the local engine (on a local Ray)."""

import csv

import pandas as pd
import pytest

ray = pytest.importorskip("ray", reason="the Ray engine needs the optional extra: pip install .[ray]")

from classifier.catalog import label_catalog  # noqa: E402
from classifier.ray_engine import label_catalog_ray  # noqa: E402

ITEMS = [
    "Hot isostatic press, 2000 bar, 1400 C",
    "Ring laser gyroscope, bias stability 0.005 deg/h",
    "Cotton tote bag, printed logo",
    "液体火箭发动机涡轮泵 推力50吨级",
    "サマリウムコバルト磁石 Sm2Co17",
    "Garden hose 50 ft with brass fittings",
    "Uncooled thermal imaging core 640x512, 12 um, 60 Hz",
]
SPECS = ["", "qty 10", "for export to a university laboratory, delivery in six weeks, full documentation"]


@pytest.fixture
def local_ray(tmp_path_factory, monkeypatch):
    """Keep Ray's session files in a pytest temp dir and make sure Ray is shut down afterwards."""
    monkeypatch.setenv("RAY_TMPDIR", str(tmp_path_factory.mktemp("ray")))
    yield
    ray.shutdown()


def _catalog(tmp_path, suffix):
    rows = [
        {"id": f"S{i:02d}", "description": f"{ITEMS[i % len(ITEMS)]} {SPECS[i % len(SPECS)]}".strip(), "price": str(i)}
        for i in range(50)
    ]
    rows[3]["description"] = ""
    path = tmp_path / f"catalog{suffix}"
    if suffix == ".parquet":
        pd.DataFrame(rows).to_parquet(path)
        return path
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        handle.write('S50,"too",many,fields\n')
    return path


def _read(path):
    if path.suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    return pd.read_parquet(path)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_ray_output_is_identical_to_local(local_ray, quick_model, quick_model_dir, tmp_path, suffix):
    source = _catalog(tmp_path, suffix)
    local, distributed = tmp_path / f"local{suffix}", tmp_path / f"ray{suffix}"
    expected = label_catalog(source, local, quick_model, chunk_size=16, progress=False)
    summary = label_catalog_ray(source, distributed, quick_model_dir, batch_size=16)
    assert not ray.is_initialized()
    assert (summary.rows, summary.dual_use, summary.errors) == (expected.rows, expected.dual_use, expected.errors)
    out = _read(distributed)
    pd.testing.assert_frame_equal(out, _read(local))
    assert list(out["id"][:50]) == [f"S{i:02d}" for i in range(50)]
    assert out["error"].iloc[3] == "column 'description': description is empty"
    if suffix == ".csv":
        assert "4 fields, header has 3" in out["error"].iloc[50]
