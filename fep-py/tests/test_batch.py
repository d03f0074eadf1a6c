"""Batch files: the layout's `check` statements through iter_decode and decode_arrow, the
rejects file, encode_batch filling in trailers, and pairing a result file with its request
file (the recipe of docs/batch-files.md)."""

import csv

import polars as pl
import pytest

import fep
from conftest import LAYOUTS

SAMPLE = LAYOUTS / "cms-batch" / "batch-file.bin"


@pytest.fixture(scope="module")
def cms():
    return fep.Schema.load(LAYOUTS / "cms-batch.layout")


def records():
    return [r for r in SAMPLE.read_bytes().split(b"\r\n") if r]


def batch(recs):
    return b"".join(r + b"\r\n" for r in recs)


def with_bytes(record, at, text):
    return record[:at] + text + record[at + len(text):]


def test_the_sample_passes(cms):
    it = cms.iter_decode(SAMPLE)
    assert [m.name for m in it] == [
        "file_header", "data_record", "data_record", "data_record", "file_trailer"
    ]
    assert (it.converted, it.rejected) == (5, 0)


def test_every_failure_comes_through_iter_decode(cms):
    recs = records()
    recs[4] = with_bytes(recs[4], 18, b"0000004")
    items = list(cms.iter_decode(batch(recs), keep_going=True))
    errors = [i for i in items if isinstance(i, fep.DecodeError)]
    assert [str(e) for e in errors] == [
        "record 5 (byte 488): file_trailer.total_count is 4, the batch has 3 data_record records"
    ]
    assert errors[0].offset == 488
    assert errors[0].frame_offset == 488
    assert errors[0].path == "total_count"
    assert errors[0].message_name == "file_trailer"
    with pytest.raises(fep.DecodeError, match="total_count is 4"):
        list(cms.iter_decode(batch(recs)))
    assert len(list(cms.iter_decode(batch(recs), checks=False))) == 5


def test_rejects_keep_the_bad_telegrams_and_the_counts_add_up(cms, tmp_path):
    recs = records()
    recs[2] = with_bytes(recs[2], 30, b"X")
    rejects = tmp_path / "rejects.bin"
    it = cms.iter_decode(batch(recs), keep_going=True, rejects=rejects)
    items = list(it)
    assert len([i for i in items if isinstance(i, fep.Message)]) == 3
    assert (it.converted, it.rejected) == (3, 2)
    assert rejects.read_bytes() == recs[2] + b"\r\n" + recs[4] + b"\r\n"
    with open(str(rejects) + ".index.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [(r["offset"], r["length"], r["rejects_offset"]) for r in rows] == [
        ("244", "120", "0"), ("488", "120", "122")
    ]
    assert rows[0]["error"].startswith(
        "data_record.amount (frame at byte 244; field at bytes 27..40 of the telegram): "
        "expected digits"
    )
    assert "could not be read" in rows[1]["error"]


def test_decode_arrow_checks_and_rejects(cms, tmp_path):
    recs = records()
    recs[3] = with_bytes(recs[3], 1, b"0000009")
    with pytest.raises(fep.DecodeError, match=r"record 4 \(byte 366\): data_record.seq is 9"):
        cms.decode_arrow(batch(recs), message="data_record")
    rejects = tmp_path / "r.bin"
    t = cms.decode_arrow(batch(recs), message="data_record", rejects=rejects)
    assert t.num_rows == 2
    assert (t.converted, t.rejected) == (4, 1)
    assert rejects.read_bytes() == recs[3] + b"\r\n"
    assert cms.decode_arrow(batch(recs), message="data_record", checks=False).num_rows == 3


def test_to_parquet_checks_and_rejects(cms, tmp_path):
    import pyarrow.parquet as pq

    assert cms.has_checks
    recs = records()
    recs[3] = with_bytes(recs[3], 1, b"0000009")
    with pytest.raises(fep.DecodeError, match=r"record 4 \(byte 366\): data_record.seq is 9"):
        cms.to_parquet(batch(recs), tmp_path / "strict")
    rejects = tmp_path / "r.bin"
    rows = cms.to_parquet(batch(recs), tmp_path / "kept", rejects=rejects)
    assert rows == {"file_header": 1, "data_record": 2, "file_trailer": 1}
    assert rejects.read_bytes() == recs[3] + b"\r\n"
    data = pq.read_table(tmp_path / "kept" / "message=data_record")
    assert data.column("seq").to_pylist() == [1, 2]
    rows = cms.to_parquet(batch(recs), tmp_path / "unchecked", checks=False)
    assert rows["data_record"] == 3


def whole_file_rows(cms, path, **kw):
    rows = []
    for t in cms.iter_arrow(path, **kw):
        rows.extend(pa_table(t).to_pylist())
    return rows


def pa_table(t):
    import pyarrow as pa

    return pa.table(t)


def test_iter_arrow_runs_the_checks_over_a_whole_file(cms, tmp_path):
    recs = records()
    recs[3] = with_bytes(recs[3], 1, b"0000009")
    path = tmp_path / "batch.bin"
    path.write_bytes(batch(recs))
    rows = whole_file_rows(cms, path, message="data_record", mode="PERMISSIVE")
    assert [r["seq"] for r in rows] == [1, 2, None]
    assert rows[2]["_offset"] == 366
    assert rows[2]["_error"].startswith("record 4 (byte 366): data_record.seq is 9")
    dropped = whole_file_rows(cms, path, message="data_record", mode="DROPMALFORMED")
    assert [r["seq"] for r in dropped] == [1, 2]
    with pytest.raises(fep.DecodeError, match="data_record.seq is 9"):
        whole_file_rows(cms, path, message="data_record")
    unchecked = whole_file_rows(cms, path, message="data_record", checks=False)
    assert [r["seq"] for r in unchecked] == [1, 2, 9]
    with pytest.raises(ValueError, match="checks need the whole file"):
        cms.iter_arrow(path, start=100)


def test_iter_arrow_reports_a_batch_left_open_at_the_end(cms, tmp_path):
    path = tmp_path / "open.bin"
    path.write_bytes(batch(records()[:4]))
    rows = whole_file_rows(cms, path, mode="PERMISSIVE")
    assert [r["_error"] is None for r in rows] == [True, True, True, True, False]
    last = rows[-1]
    assert last["_offset"] == path.stat().st_size
    assert "file_trailer" in last["_error"]


def test_encode_batch_fills_in_sequence_numbers_and_the_trailer(cms):
    msgs = [m for m in cms.iter_decode(SAMPLE) if m.name != "file_trailer"]
    values = []
    for m in msgs:
        fields = m.to_dict()
        del fields["seq"]
        values.append({"message": m.name, "fields": fields})
    out = cms.encode_batch(values)
    assert out[:488] == SAMPLE.read_bytes()[:488]
    trailer = cms.decode(out[488:608])
    assert trailer["total_count"] == 3
    assert trailer["total_amount"] == 5050500
    assert trailer["company_id"] == "HANBIT0001"
    assert [m.name for m in cms.iter_decode(out)][-1] == "file_trailer"
    values.append({"message": "file_trailer", "fields": {"total_amount": 1}})
    with pytest.raises(fep.EncodeError, match="total_amount is 1"):
        cms.encode_batch(values)


def test_a_result_file_pairs_with_its_request_file(cms):
    # The request file leaves the result codes blank; the bank's result file is the same
    # records with a result code in each data record (the sample's third one failed, E101).
    result = records()
    result[2] = with_bytes(result[2], 107, b"E012")
    request = [with_bytes(r, 107, b"    ") if r[:1] == b"D" else r for r in records()]
    req = pl.from_arrow(cms.decode_arrow(batch(request), message="data_record").to_pyarrow())
    res = pl.from_arrow(cms.decode_arrow(batch(result), message="data_record").to_pyarrow())
    pairs = req.join(
        res.select("seq", "account", "amount", "result_code"),
        on=["seq", "account", "amount"],
        how="left",
        suffix="_result",
    )
    failed = pairs.filter(pl.col("result_code_result") != "0000")
    assert failed.select("seq", "depositor", "amount", "result_code_result").rows() == [
        (2, "김영희", 1830000, "E012"),
        (3, "주식회사 대한물산", 720500, "E101"),
    ]
