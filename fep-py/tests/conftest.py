"""Fixtures over the bundled layouts: each layouts/NAME.layout with its samples
layouts/NAME/*.bin (framed as on the wire) and their expected *.json."""

import datetime
import decimal
import json
from pathlib import Path

import pytest

import fep

ROOT = Path(__file__).resolve().parents[2]
LAYOUTS = ROOT / "layouts"


def samples():
    """(layout path, sample .bin path, expected JSON path) for every bundled sample."""
    out = []
    for layout in sorted(LAYOUTS.glob("*.layout")):
        for binary in sorted((LAYOUTS / layout.stem).glob("*.bin")):
            out.append((layout, binary, binary.with_suffix(".json")))
    return out


SAMPLES = samples()
SAMPLE_IDS = [f"{b.parent.name}/{b.stem}" for _, b, _ in SAMPLES]


def expected_messages(json_path):
    """The sample's expected messages: a JSON object, or a list of them for a file."""
    data = json.loads(json_path.read_text(encoding="utf-8"))
    return data if isinstance(data, list) else [data]


def to_json_value(value, expected):
    """A decoded Python value in the samples' JSON form: Decimal, dates and times as their
    strings, bytes as hex. `expected` tells a time written without seconds ("09:30")."""
    if isinstance(value, dict):
        exp = expected if isinstance(expected, dict) else {}
        return {k: to_json_value(v, exp.get(k)) for k, v in value.items()}
    if isinstance(value, list):
        exp = expected if isinstance(expected, list) else []
        return [to_json_value(v, exp[i] if i < len(exp) else None) for i, v in enumerate(value)]
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, datetime.datetime):
        short = isinstance(expected, str) and len(expected) == 16
        return value.isoformat(timespec="minutes" if short else "seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        short = isinstance(expected, str) and len(expected) == 5
        return value.isoformat(timespec="minutes" if short else "seconds")
    if isinstance(value, bytes):
        return value.hex()
    return value


@pytest.fixture(scope="session")
def firmbanking():
    return fep.Schema.load(LAYOUTS / "firmbanking.layout")


@pytest.fixture(scope="session")
def transfer_framed():
    """The framed transfer request, as on the wire."""
    return (LAYOUTS / "firmbanking" / "transfer-request.bin").read_bytes()


@pytest.fixture(scope="session")
def transfer(transfer_framed):
    """The transfer request telegram without its 4-byte length prefix."""
    return transfer_framed[4:]


__all__ = ["ROOT", "LAYOUTS", "SAMPLES", "SAMPLE_IDS", "expected_messages", "to_json_value"]
