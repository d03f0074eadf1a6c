"""Every bundled sample, both ways: decoded it is its expected JSON, encoded again it is the
same bytes; and in bulk it is the same rows in pyarrow and in polars."""

import pyarrow as pa
import polars as pl
import pytest

import fep
from conftest import SAMPLE_IDS, SAMPLES, expected_messages, to_json_value


@pytest.mark.parametrize(("layout", "binary", "expected"), SAMPLES, ids=SAMPLE_IDS)
def test_decodes_to_the_expected_json(layout, binary, expected):
    schema = fep.Schema.load(layout)
    got = [
        {"message": m.name, "fields": to_json_value(m.to_dict(), e["fields"])}
        for m, e in zip(schema.iter_decode(binary), expected_messages(expected))
    ]
    assert got == expected_messages(expected)


def has_lists(d):
    return any(isinstance(v, list) or (isinstance(v, dict) and has_lists(v)) for v in d.values())


@pytest.mark.parametrize(("layout", "binary", "expected"), SAMPLES, ids=SAMPLE_IDS)
def test_decode_dict_is_decode_to_dict(layout, binary, expected):
    """decode_dict gives what decode().to_dict() gives, key order and value types included
    (a repr shows both): for the first telegram of a message, decoded the general way, and
    for the next ones, straight from the bytes."""
    schema = fep.Schema.load(layout)
    for m in schema.iter_decode(binary):
        want = repr(m.to_dict())
        telegram = schema.encode(m)
        framed = schema.encode(m, frame=True)
        schema.decode_dict(telegram)
        schema.decode_dict(framed, framed=True)
        # Straight from the bytes once learnt, for every message without repeats.
        got = schema._decode_dict_direct(telegram)
        if got is not None:
            assert repr(got) == want
        elif not has_lists(m.to_dict()):
            pytest.fail(f"{m.name}: no repeats, yet decode_dict did not go straight")
        for _ in range(3):
            assert repr(schema.decode_dict(telegram)) == want
            assert repr(schema.decode_dict(telegram, message=m.name)) == want
            assert repr(schema.decode_dict(bytearray(telegram))) == want
            assert repr(schema.decode_dict(framed, framed=True)) == want


@pytest.mark.parametrize(("layout", "binary", "expected"), SAMPLES, ids=SAMPLE_IDS)
def test_to_json_is_the_expected_json(layout, binary, expected):
    import json

    schema = fep.Schema.load(layout)
    got = [json.loads(m.to_json()) for m in schema.iter_decode(binary)]
    assert got == expected_messages(expected)


@pytest.mark.parametrize(("layout", "binary", "expected"), SAMPLES, ids=SAMPLE_IDS)
def test_encode_gives_back_the_same_bytes(layout, binary, expected):
    schema = fep.Schema.load(layout)
    data = binary.read_bytes()
    messages = list(schema.iter_decode(binary))
    ends = [m.offset for m in messages[1:]] + [len(data)]
    for m, end in zip(messages, ends):
        frame = data[m.offset : end]
        if frame.endswith(b"\n") and not frame.endswith(b"\r\n"):
            # A batch file with LF line ends: encode frames with CRLF, the usual ending.
            frame = frame[:-1] + b"\r\n"
        assert schema.encode(m, frame=True) == frame
        # The telegram alone, through a plain dict of Python values.
        telegram = schema.encode(m.to_dict(), message=m.name)
        assert schema.decode(telegram) == m
        assert schema.encode({"message": m.name, "fields": m.to_dict()}) == telegram
        assert schema.decode(frame, framed=True) == m


@pytest.mark.parametrize(("layout", "binary", "expected"), SAMPLES, ids=SAMPLE_IDS)
def test_a_capture_round_trips_whole(layout, binary, expected):
    schema = fep.Schema.load(layout)
    data = binary.read_bytes()
    again = b"".join(schema.encode(m, frame=True) for m in schema.iter_decode(data))
    if b"\r\n" not in data and schema.framing == "lines":
        data = data.replace(b"\n", b"\r\n")
    assert again == data


@pytest.mark.parametrize(("layout", "binary", "expected"), SAMPLES, ids=SAMPLE_IDS)
def test_decode_arrow_rows_are_the_decoded_messages(layout, binary, expected):
    schema = fep.Schema.load(layout)
    messages = list(schema.iter_decode(binary))
    for name in sorted({m.name for m in messages}):
        want = [m.to_dict() for m in messages if m.name == name]
        table = schema.decode_arrow(binary, message=name)
        assert table.num_rows == len(want)
        assert pa.table(table).to_pylist() == want
        df = pl.DataFrame(table)
        assert df.height == len(want)
        assert df.columns == [k for k in want[0]]
        assert df.to_dicts() == pa.table(table).to_pylist()


@pytest.mark.parametrize(("layout", "binary", "expected"), SAMPLES, ids=SAMPLE_IDS)
def test_a_message_of_flat_values_behaves_as_the_core_message(layout, binary, expected):
    """The first decode of a message (the general way) learns its shape; the next ones of a
    message without repeats keep the flat decode's values. Everything a Message does gives
    the same either way: fields read one by one (a nested record too), the dict, JSON, repr,
    equality, encode and diff."""
    schema = fep.Schema.load(layout)
    for streamed in schema.iter_decode(binary):
        telegram = schema.encode(streamed)
        first = schema.decode(telegram)
        assert not first._flat or not has_lists(streamed.to_dict())
        for m in (schema.decode(telegram), schema.decode(telegram, message=streamed.name)):
            assert m._flat == (not has_lists(streamed.to_dict())), m.name
            assert m.name == streamed.name
            assert repr(m.to_dict()) == repr(streamed.to_dict())
            assert {k: m[k] for k in streamed} == streamed.to_dict()
            assert all(m.get(k) == streamed[k] for k in streamed)
            assert m.get("no such field", 7) == 7
            with pytest.raises(KeyError):
                m["no such field"]
            fresh = schema.decode(telegram)
            assert len(m) == len(streamed) and list(m) == list(streamed)
            assert all(k in m for k in streamed) and "no such field" not in m
            assert m.to_json() == streamed.to_json() == fresh.to_json()
            assert m.to_json(redact=True, indent=2) == streamed.to_json(redact=True, indent=2)
            assert repr(m) == repr(streamed) and str(m) == str(streamed)
            assert m == streamed and m == fresh and m == streamed.to_dict()
            assert schema.encode(m) == telegram
            assert schema.diff(m, streamed) == []
