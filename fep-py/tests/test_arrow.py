"""Bulk decoding to Arrow: typed columns from the field table, read by pyarrow and polars
through the PyCapsule interface without a copy."""

import datetime
import io
from decimal import Decimal

import polars as pl
import pyarrow as pa
import pytest

import fep
from conftest import LAYOUTS


@pytest.fixture(scope="module")
def forex():
    return fep.Schema.load(LAYOUTS / "forex-remittance.layout")


def test_column_types(forex):
    table = pa.table(forex.decode_arrow(LAYOUTS / "forex-remittance" / "remittance-five-charges.bin"))
    types = {f.name: str(f.type) for f in table.schema}
    assert types == {
        "version": "string",
        "msg_code": "string",
        "ref_no": "string",
        "timestamp": "timestamp[us]",
        "value_date": "date32[day]",
        "currency": "string",
        "remit_amount": "decimal128(38, 3)",
        "krw_amount": "decimal128(38, 3)",
        "rate": "decimal128(38, 4)",
        "remitter_name": "string",
        "remitter_id": "string",
        "bene_name": "string",
        "addr": "list<item: string>",
        "bene_acct": "string",
        "bene_bic": "string",
        "intermediary": "list<item: struct<bic: string, name: string>>",
        "purpose_code": "string",
        "purpose_text": "string",
        "count": "int64",
        "charges": "list<item: struct<code: string, amount: decimal128(38, 3)>>",
        "resp_code": "string",
    }
    assert all(f.nullable for f in table.schema)


def test_more_column_types():
    member = fep.Schema.load(LAYOUTS / "member-cp949.layout")
    table = pa.table(member.decode_arrow(LAYOUTS / "member-cp949" / "member-register.bin"))
    assert str(table.schema.field("mac").type) == "binary"
    assert table.column("mac").to_pylist() == [bytes.fromhex("00ff7aa1a18c6320")]
    card = fep.Schema.load(LAYOUTS / "card-utf8.layout")
    table = pa.table(card.decode_arrow(LAYOUTS / "card-utf8" / "cancel-request.bin", message="cancel"))
    assert str(table.schema.field("orig_time").type) == "time64[us]"
    row = table.to_pylist()[0]
    assert isinstance(row["orig_time"], datetime.time)
    assert isinstance(row["txn_datetime"], datetime.datetime)


def test_values_match_decode(forex):
    path = LAYOUTS / "forex-remittance" / "remittance-five-charges.bin"
    msg = next(forex.iter_decode(path))
    row = pa.table(forex.decode_arrow(path)).to_pylist()[0]
    assert row == msg.to_dict()
    assert row["remit_amount"] == msg["remit_amount"]
    assert isinstance(row["charges"][0]["amount"], Decimal)


def test_an_empty_capture_has_the_columns(forex):
    table = forex.decode_arrow(b"")
    assert table.num_rows == 0 and len(table) == 0
    assert pa.table(table).num_rows == 0
    assert pl.DataFrame(table).columns == table.column_names
    assert table.num_columns == 21


def test_the_table_object(forex):
    table = forex.decode_arrow(LAYOUTS / "forex-remittance" / "remittance-request.bin")
    assert isinstance(table, fep.ArrowTable)
    assert table.column_names[:3] == ["version", "msg_code", "ref_no"]
    assert repr(table).startswith("<fep.ArrowTable 1 rows, 1 batches; version: Utf8, msg_code: Utf8,")
    assert table.to_pyarrow().equals(pa.table(table))
    assert table.to_polars().equals(pl.DataFrame(table))


def test_sources(firmbanking, transfer_framed, tmp_path):
    data = transfer_framed * 5
    path = tmp_path / "capture.bin"
    path.write_bytes(data)
    with open(path, "rb") as f:
        for name, source in {
            "path": path,
            "str": str(path),
            "file": f,
            "BytesIO": io.BytesIO(data),
            "bytes": data,
            "bytearray": bytearray(data),
            "memoryview": memoryview(data),
        }.items():
            assert firmbanking.decode_arrow(source, message="transfer").num_rows == 5, name


def capture(firmbanking):
    """40 transfers and balance inquiries, requests and responses, the responses with
    response codes."""
    names = ["transfer-request", "transfer-response", "balance-inquiry-request", "balance-inquiry-response"]
    bases = [next(firmbanking.iter_decode(LAYOUTS / "firmbanking" / f"{n}.bin")) for n in names]
    telegrams = []
    for i in range(40):
        base = bases[i % 4]
        fields = base.to_dict()
        fields["header"]["seq_no"] = i
        if i % 2:
            fields["header"]["resp_code"] = ["0000", "0000", "0011"][i % 3]
        telegrams.append(firmbanking.encode(fields, message=base.name, frame=True))
    return b"".join(telegrams)


def test_a_mixed_capture_groups_by_message_and_response_code(firmbanking):
    data = capture(firmbanking)
    table = firmbanking.decode_arrow(data)
    assert table.column_names == ["message", "header"]
    df = pl.DataFrame(table)
    counts = (
        df.group_by("message", pl.col("header").struct.field("resp_code"))
        .len()
        .sort("message", "resp_code")
    )
    expected = {}
    for m in firmbanking.iter_decode(data):
        key = (m.name, m["header"]["resp_code"])
        expected[key] = expected.get(key, 0) + 1
    assert {(r["message"], r["resp_code"]): r["len"] for r in counts.to_dicts()} == expected
    assert pa.table(table).column("message").to_pylist() == [m.name for m in firmbanking.iter_decode(data)]


def test_one_message_of_a_mixed_capture(firmbanking):
    data = capture(firmbanking)
    transfers = firmbanking.decode_arrow(data, message="transfer")
    assert transfers.num_rows == 20
    assert pa.table(transfers).column("amount").to_pylist() == [
        m["amount"] for m in firmbanking.iter_decode(data) if m.name == "transfer"
    ]


def test_no_copy_between_pyarrow_and_polars(firmbanking, transfer_framed):
    table = firmbanking.decode_arrow(transfer_framed * 1000, message="transfer")
    a = pa.table(table).column("amount").chunks[0].buffers()[1].address
    b = pa.table(table).column("amount").chunks[0].buffers()[1].address
    c = pl.DataFrame(table)["amount"].to_arrow().buffers()[1].address
    assert a == b == c


def test_polars_from_arrow_gives_a_struct_series(firmbanking, transfer_framed):
    table = firmbanking.decode_arrow(transfer_framed * 3, message="transfer")
    series = pl.from_arrow(table)
    assert isinstance(series, pl.Series)
    assert series.struct.unnest().equals(pl.DataFrame(table))


def test_a_requested_schema_casts(firmbanking, transfer_framed):
    table = firmbanking.decode_arrow(transfer_framed, message="transfer")
    schema = pa.schema([f.with_type(pa.large_string()) if f.type == pa.string() else f for f in pa.schema(table)])
    cast = pa.RecordBatchReader.from_stream(table, schema=schema).read_all()
    assert cast.schema.field("memo").type == pa.large_string()
    assert cast.column("memo").to_pylist() == ["급여"]


def test_many_batches():
    # A layout of one-byte telegrams: 2**20 + 5 rows make two batches.
    schema = fep.Schema.parse("encoding ascii\nmessage d 1 {\n  n 9(1)\n}\n")
    n = (1 << 20) + 5
    table = schema.decode_arrow(b"7" * n)
    assert repr(table).startswith(f"<fep.ArrowTable {n} rows, 2 batches;")
    assert pa.table(table).num_rows == n
    assert pl.DataFrame(table)["n"].sum() == 7 * n


def test_duckdb_reads_it(firmbanking, transfer_framed):
    duckdb = pytest.importorskip("duckdb")
    transfers = firmbanking.decode_arrow(transfer_framed * 3, message="transfer")
    assert duckdb.sql("select sum(amount), min(header.seq_no) from transfers").fetchall() == [(30000, 123)]
