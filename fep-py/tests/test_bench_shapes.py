"""The bench messages' different telegrams (what fep-py/bench/shapes.py times beside the
samples): each decodes by every path to what the pure-Python slicing gives, and to the same
rows in Arrow; so the figures printed for them compare like with like."""

import sys
from pathlib import Path

import pytest

import fep

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import shapes  # noqa: E402


@pytest.mark.parametrize("name", list(shapes.SAMPLES))
def test_different_telegrams_decode_as_the_slicing_does(name, tmp_path):
    schema = fep.Schema.load(shapes.LAYOUTS / "securities.layout")
    framed = (shapes.LAYOUTS / "securities" / shapes.SAMPLES[name]).read_bytes()
    sample = framed[4:]
    telegrams = shapes.different_telegrams(schema, name, sample, 200)
    assert len(set(telegrams)) == 200
    assert all(len(t) == len(sample) for t in telegrams)
    hand = shapes.BY_HAND[name]
    for t in telegrams:
        want = hand(t)
        assert schema.decode(t).to_dict() == want
        assert schema.decode_dict(t) == want
    path = tmp_path / "different.bin"
    path.write_bytes(b"".join(framed[:4] + t for t in telegrams))
    rows = schema.decode_arrow(path, message=name).to_pyarrow().to_pylist()
    assert len(rows) == 200
    for row, t in zip(rows, telegrams):
        want = hand(t)
        assert {k: row[k] for k in want} == want
    # The same seed, the same telegrams: the figures can be run again.
    assert shapes.different_telegrams(schema, name, sample, 5) == telegrams[:5]


def test_the_targets_marked_on_the_hangul_heavy_message_only():
    arrow, to_dict = "decode_arrow, capture file", "decode().to_dict()"
    assert shapes.verdict("customer", arrow, 2_000_000, 30.0).endswith(": met")
    assert shapes.verdict("customer", arrow, 2_500_000, 29.9).endswith(": NOT met")
    assert shapes.verdict("customer", arrow, 1_999_999, 35.0).endswith(": NOT met")
    assert shapes.verdict("customer", to_dict, 400_000, 5.0).endswith(": met")
    assert shapes.verdict("customer", to_dict, 450_000, 4.9).endswith(": NOT met")
    assert shapes.verdict("customer", "decode", 10**9, 100.0) == ""
    assert shapes.verdict("order", arrow, 1, 1.0) == ""


def test_best_of_prints_every_path_on_both_sets():
    import subprocess

    script = Path(__file__).resolve().parents[1] / "bench" / "best_of.py"
    out = subprocess.run(
        [sys.executable, str(script), "customer", "--count", "50", "--batches", "1"],
        capture_output=True, text=True, check=True,
    ).stdout.splitlines()
    assert [line.split()[1:3] for line in out] == [
        [s, p] for p in ("decode", "to_dict", "decode_dict") for s in ("sample", "different")
    ]
    assert all(line.endswith(" k/s") and float(line.split()[3]) > 0 for line in out)
