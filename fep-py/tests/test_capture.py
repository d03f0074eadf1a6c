"""Packet captures from Python: iter_decode, decode_arrow and fep.pair on the real tcpdump
captures committed for the command line's tests (fep-cli/tests/data/captures), against
the expected output of `fep decode --format jsonl` and `fep pair --format csv` committed
beside them (the command line's tests check that those files are what it prints)."""

import csv
import datetime
import io
import json

import pyarrow as pa
import pytest

import fep

from conftest import LAYOUTS, ROOT

CAPTURES = ROOT / "fep-cli" / "tests" / "data" / "captures"
# Each fixture: its name and its telegrams. relay-snaplen: every packet cut (tcpdump -s
# 200), two gaps and no telegram.
FIXTURES = [("relay-faults", 48), ("relay-any-nano", 16), ("relay-snaplen", 0)]
NAMES = [n for n, _ in FIXTURES]
CAPTURE_TYPES = [
    ("ts", pa.timestamp("ns", tz="UTC")),
    ("src", pa.string()),
    ("dst", pa.string()),
    ("direction", pa.string()),
]


def ts_text(ns):
    """A capture time as fep prints it: RFC 3339 in UTC, microseconds or nanoseconds."""
    secs, frac = divmod(ns, 10**9)
    day = datetime.datetime.fromtimestamp(secs, datetime.timezone.utc)
    head = day.strftime("%Y-%m-%dT%H:%M:%S")
    if frac % 1000 == 0:
        return f"{head}.{frac // 1000:06d}Z"
    return f"{head}.{frac:09d}Z"


def decoded(name):
    """The lines of `fep decode --format jsonl` on the fixture."""
    text = (CAPTURES / f"{name}.decode.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def pair_csv(name):
    """The header and rows of `fep pair --format csv` on the fixture."""
    text = (CAPTURES / f"{name}.pair.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


def pair_rows_as_csv(table):
    """An Arrow table of fep.pair as the rows `fep pair --format csv` writes."""
    t = table.to_pyarrow()
    ts = t.column("ts").cast(pa.int64()).to_pylist()
    out = []
    # (A nanosecond ts needs pandas to become a Python object: it is compared as an int.)
    for i, r in enumerate(t.drop_columns(["ts"]).to_pylist()):
        latency = r["latency_ms"]
        out.append(
            [
                str(r["offset"]),
                r["key"],
                r["request"] or "",
                r["response"] or "",
                r["code"] or "",
                "" if latency is None else f"{latency:.6f}",
                r["outcome"],
                "" if ts[i] is None else ts_text(ts[i]),
                r["src"] or "",
                r["dst"] or "",
                r["direction"] or "",
            ]
        )
    return out


@pytest.mark.parametrize("name", NAMES)
def test_pair_gives_the_rows_of_fep_pair(firmbanking, name):
    table = fep.pair(firmbanking, CAPTURES / f"{name}.pcap", keep_going=True)
    header, want = pair_csv(name)
    assert table.column_names[: len(header)] == header
    assert table.column_names[len(header) :] == ["responses"]
    assert pair_rows_as_csv(table) == want
    schema = table.to_pyarrow().schema
    for col, typ in CAPTURE_TYPES + [("latency_ms", pa.float64()), ("offset", pa.uint64())]:
        assert schema.field(col).type == typ


def test_pair_counts_and_outcomes(firmbanking):
    table = fep.pair(firmbanking, CAPTURES / "relay-faults.pcap")
    assert (table.converted, table.rejected, table.gaps) == (48, 0, 0)
    t = table.to_pyarrow()
    outcomes = t.column("outcome").to_pylist()
    # The simulator dropped two requests' responses and answered two twice.
    assert len(outcomes) == 24
    assert outcomes.count("answered") == 20
    assert outcomes.count("unanswered") == 2
    assert outcomes.count("answered twice") == 2
    twice = [r for r in t.drop_columns(["ts"]).to_pylist() if r["outcome"] == "answered twice"]
    assert all(r["responses"] == 2 for r in twice)
    # A layout's path does as well as a Schema, bytes and file objects as well as a path.
    data = (CAPTURES / "relay-faults.pcap").read_bytes()
    layout = LAYOUTS / "firmbanking.layout"
    for source in (data, io.BytesIO(data)):
        again = fep.pair(str(layout), source)
        assert again.to_pyarrow().equals(t)


def test_pair_raises_at_a_gap_unless_keep_going(firmbanking):
    with pytest.raises(fep.CaptureGapError) as info:
        fep.pair(firmbanking, CAPTURES / "relay-snaplen.pcap")
    e = info.value
    assert isinstance(e, fep.DecodeError)
    assert "capture with -s 0" in str(e)
    assert e.direction in ("to-server", "to-client")
    assert e.missing > 0 and e.frame_offset == 0
    table = fep.pair(firmbanking, CAPTURES / "relay-snaplen.pcap", keep_going=True)
    assert (table.num_rows, table.gaps) == (0, 2)


def test_pair_options(firmbanking):
    pcap = CAPTURES / "relay-faults.pcap"
    # Taking the bank's side for the one that sends requests, nothing pairs.
    table = fep.pair(firmbanking, pcap, requests="server").to_pyarrow()
    assert "answered" not in table.column("outcome").to_pylist()
    # Responses told by their message code: the same pairs as by direction.
    by_field = fep.pair(firmbanking, pcap, response_when="header.msg_code=2100")
    assert by_field.to_pyarrow().equals(fep.pair(firmbanking, pcap).to_pyarrow())
    # Another field as the code.
    coded = fep.pair(firmbanking, pcap, code="header.msg_code").to_pyarrow()
    assert set(c for c in coded.column("code").to_pylist() if c) == {"2100"}
    assert fep.pair(firmbanking, pcap, port=1).num_rows == 0
    for bad in (
        dict(requests="bank"),
        dict(response_when="header.msg_code"),
        dict(code="header.nope"),
        dict(host="not-an-address"),
        dict(max_pending=0),
    ):
        with pytest.raises(ValueError):
            fep.pair(firmbanking, pcap, **bad)


def framed(name, seq):
    """A firm-banking sample (framed) with another telegram number (header.seq_no)."""
    t = bytearray((LAYOUTS / "firmbanking" / f"{name}.bin").read_bytes())
    t[36:42] = seq.encode()
    return bytes(t)


def test_pair_on_framed_telegrams(firmbanking):
    data = (
        framed("transfer-request", "000001")
        + framed("transfer-response", "000001")
        + framed("transfer-request", "000002")
    )
    t = fep.pair(firmbanking, data).to_pyarrow()
    assert t.column("outcome").to_pylist() == ["answered", "unanswered"]
    assert t.column("offset").to_pylist() == [0, 608]
    assert t.column("code").to_pylist() == ["0000", None]
    # No capture: no times, no latency.
    for col in ("ts", "src", "dst", "direction", "latency_ms"):
        assert t.column(col).null_count == 2
    # A telegram no message matches: where it is, as the other calls say it.
    bad = bytearray(framed("transfer-request", "000003"))
    bad[28:32] = b"9999"
    with pytest.raises(fep.DecodeError, match=r"\(frame at byte 912; ") as info:
        fep.pair(firmbanking, data + bytes(bad))
    assert info.value.frame_offset == 912
    table = fep.pair(firmbanking, data + bytes(bad), keep_going=True)
    assert (table.num_rows, table.rejected) == (2, 1)
    with pytest.raises(ValueError, match="port and host filter packet captures"):
        fep.pair(firmbanking, data, port=9000)


@pytest.mark.parametrize("name", NAMES)
def test_iter_decode_reads_a_capture(firmbanking, name):
    want = decoded(name)
    got = list(firmbanking.iter_decode(CAPTURES / f"{name}.pcap", keep_going=True))
    messages = [m for m in got if isinstance(m, fep.Message)]
    assert len(messages) == len(want) == dict(FIXTURES)[name]
    for m, w in zip(messages, want):
        assert json.loads(m.to_json(redact=True)) == {
            "message": w["message"],
            "fields": w["fields"],
        }
        assert m.offset == w["offset"]
        c = w["capture"]
        assert (ts_text(m.ts_ns), m.src, m.dst, m.direction) == (
            c["ts"],
            c["src"],
            c["dst"],
            c["direction"],
        )
        epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
        assert m.ts == epoch + datetime.timedelta(microseconds=m.ts_ns // 1000)
    gaps = [e for e in got if isinstance(e, fep.CaptureGapError)]
    assert len(gaps) == (2 if name == "relay-snaplen" else 0)


def test_a_gap_raises_in_iter_decode_unless_keep_going(firmbanking, tmp_path):
    pcap = CAPTURES / "relay-snaplen.pcap"
    it = firmbanking.iter_decode(pcap)
    with pytest.raises(fep.CaptureGapError, match="bytes missing"):
        next(it)
    assert list(it) == []
    rejects = tmp_path / "rejects.bin"
    it = firmbanking.iter_decode(pcap, keep_going=True, rejects=rejects)
    assert len(list(it)) == 2
    assert (it.converted, it.rejected, it.gaps) == (0, 0, 2)
    # The gaps are in the rejects' index, with no bytes.
    index = (tmp_path / "rejects.bin.index.csv").read_text(encoding="utf-8").splitlines()
    assert len(index) == 3 and "snap length" in index[1]
    assert rejects.read_bytes() == b""


def test_a_message_from_framed_telegrams_has_no_capture(firmbanking, transfer_framed):
    (m,) = list(firmbanking.iter_decode(transfer_framed))
    assert (m.ts, m.ts_ns, m.src, m.dst, m.direction) == (None,) * 5


@pytest.mark.parametrize("name", NAMES)
def test_decode_arrow_reads_a_capture(firmbanking, name, tmp_path):
    pcap = CAPTURES / f"{name}.pcap"
    want = decoded(name)
    if name == "relay-snaplen":
        with pytest.raises(fep.CaptureGapError):
            firmbanking.decode_arrow(pcap)
        table = firmbanking.decode_arrow(pcap, rejects=tmp_path / "r.bin")
        assert (table.num_rows, table.gaps) == (0, 2)
    else:
        table = firmbanking.decode_arrow(pcap)
        assert table.gaps == 0
    t = table.to_pyarrow()
    # The layout has several messages: `message`, the capture columns, the common fields.
    assert [(f.name, f.type) for f in t.schema][:5] == [("message", pa.string())] + CAPTURE_TYPES
    assert t.num_rows == len(want)
    ts = t.column("ts").cast(pa.int64()).to_pylist()
    for i, w in enumerate(want):
        c = w["capture"]
        row = (ts_text(ts[i]), t["src"][i].as_py(), t["dst"][i].as_py(), t["direction"][i].as_py())
        assert row == (c["ts"], c["src"], c["dst"], c["direction"])
        assert t["message"][i].as_py() == w["message"]
        assert t["header"][i].as_py()["seq_no"] == w["fields"]["header"]["seq_no"]


def test_decode_arrow_of_one_message_and_filters(firmbanking):
    pcap = CAPTURES / "relay-any-nano.pcap"
    t = firmbanking.decode_arrow(pcap, message="transfer").to_pyarrow()
    assert t.column_names[:5] == ["ts", "src", "dst", "direction", "header"]
    assert t.num_rows == 16
    assert firmbanking.decode_arrow(pcap, port=1).num_rows == 0
    assert firmbanking.decode_arrow(pcap, host=["127.0.0.1", "::1"]).num_rows == 16
    # From bytes and a file object too: told by the magic number, not by the name.
    data = pcap.read_bytes()
    assert firmbanking.decode_arrow(data, message="transfer").to_pyarrow().equals(t)
    assert firmbanking.decode_arrow(io.BytesIO(data), message="transfer").to_pyarrow().equals(t)
    with pytest.raises(ValueError, match="port and host filter"):
        firmbanking.decode_arrow(b"", port=9000)
