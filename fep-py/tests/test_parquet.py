"""Parquet from the library, read back by pyarrow, polars and DuckDB with the values and
types of decode_arrow; byte ranges of a capture (the Spark data source's partitions)."""

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import fep
from conftest import LAYOUTS

FIRMBANKING = [
    "transfer-request",
    "balance-history",
    "transfer-response",
    "balance-inquiry-request",
    "balance-inquiry-response",
]


@pytest.fixture(scope="module")
def firmbanking():
    return fep.Schema.load(LAYOUTS / "firmbanking.layout")


@pytest.fixture(scope="module")
def capture(tmp_path_factory):
    """The firmbanking samples 400 times over, 2,000 telegrams of three messages."""
    data = b"".join((LAYOUTS / "firmbanking" / f"{n}.bin").read_bytes() for n in FIRMBANKING)
    path = tmp_path_factory.mktemp("capture") / "capture.bin"
    path.write_bytes(data * 400)
    return path


def test_parquet_has_the_values_and_types_of_decode_arrow(firmbanking, capture, tmp_path):
    rows = firmbanking.to_parquet(capture, tmp_path / "out", reveal=True, row_group_rows=300)
    assert rows == {"transfer": 800, "balance_history": 400, "balance_inquiry": 800}
    for message, n in rows.items():
        path = tmp_path / "out" / f"message={message}" / "part-00000.parquet"
        want = pa.table(firmbanking.decode_arrow(capture, message=message))
        got = pq.read_table(path)
        assert got.num_rows == n
        assert got.schema == want.schema, message
        assert got.equals(want), message
        # Bounded row groups.
        meta = pq.ParquetFile(path).metadata
        assert meta.num_row_groups == -(-n // 300)
        assert meta.row_group(0).column(0).compression == "ZSTD"
        # polars reads the same frame.
        assert pl.read_parquet(path).equals(pl.DataFrame(firmbanking.decode_arrow(capture, message=message)))


def test_duckdb_reads_the_hive_folders(firmbanking, capture, tmp_path):
    firmbanking.to_parquet(capture, tmp_path / "out")
    pattern = str(tmp_path / "out" / "*" / "*.parquet")
    got = duckdb.sql(
        f"select message, count(*) as n, sum(amount) as amount from read_parquet('{pattern}', hive_partitioning = true, union_by_name = true) "
        "group by message order by message"
    ).fetchall()
    transfers = pl.DataFrame(firmbanking.decode_arrow(capture, message="transfer"))
    assert got == [
        ("balance_history", 400, None),
        ("balance_inquiry", 800, None),
        ("transfer", 800, transfers["amount"].sum()),
    ]
    dates = duckdb.sql(
        f"select distinct header.send_date from read_parquet('{tmp_path / 'out' / 'message=transfer' / '*.parquet'}')"
    ).fetchall()
    assert [str(d[0]) for d in dates] == ["2024-03-15"]


def test_sensitive_fields_are_hidden_unless_revealed(firmbanking, capture, tmp_path):
    firmbanking.to_parquet(capture, tmp_path / "hidden")
    t = pq.read_table(tmp_path / "hidden" / "message=transfer" / "part-00000.parquet")
    assert set(t.column("debit_acct").to_pylist()) == {"*********4005"}
    assert set(t.column("password").to_pylist()) == {"****"}
    assert t.schema.field("password").type == pa.string()


def test_text_statistics_only_when_asked_for(firmbanking, capture, tmp_path):
    def stats(folder):
        meta = pq.ParquetFile(folder / "message=transfer" / "part-00000.parquet").metadata
        group = meta.row_group(0)
        columns = (group.column(i) for i in range(group.num_columns))
        return {c.path_in_schema: c.is_stats_set and c.statistics.has_min_max for c in columns}

    firmbanking.to_parquet(capture, tmp_path / "plain")
    plain = stats(tmp_path / "plain")
    assert plain["amount"] and plain["header.send_date"]
    assert not plain["memo"] and not plain["header.company_id"]
    firmbanking.to_parquet(capture, tmp_path / "text", text_statistics=True)
    text = stats(tmp_path / "text")
    assert text["amount"] and text["memo"] and text["header.company_id"]
    # Hidden values carry none either way.
    assert not text["debit_acct"] and not plain["debit_acct"]


def test_parquet_errors(firmbanking, tmp_path):
    good = (LAYOUTS / "firmbanking" / "transfer-request.bin").read_bytes()
    bad = bytearray(good)
    bad[4 + 130] = ord("O")
    with pytest.raises(fep.DecodeError) as e:
        firmbanking.to_parquet(good + bytes(bad), tmp_path / "bad")
    # The field's offset in the telegram, and the frame's in the stream.
    assert (e.value.offset, e.value.frame_offset) == (129, len(good))
    # No file that looks whole is left behind.
    assert not list((tmp_path / "bad").rglob("*.parquet"))
    with pytest.raises(ValueError, match="compression"):
        firmbanking.to_parquet(good, tmp_path / "x", compression="gzip")
    firmbanking.to_parquet(good, tmp_path / "twice")
    with pytest.raises(OSError, match="already exists"):
        firmbanking.to_parquet(good, tmp_path / "twice")


def ranges_table(schema, path, cuts, **kw):
    size = path.stat().st_size
    bounds = [0] + [c for c in cuts if 0 < c < size]
    batches = []
    for i, start in enumerate(bounds):
        end = bounds[i + 1] if i + 1 < len(bounds) else None
        for t in schema.iter_arrow(path, start=start, end=end, batch_rows=128, **kw):
            batches.extend(pa.table(t).to_batches())
    return pa.Table.from_batches(batches, schema=pa.schema(schema.iter_arrow(path, **kw).empty))


@pytest.mark.parametrize("message", [None, "transfer"])
def test_ranges_give_each_telegram_once(firmbanking, capture, message):
    whole = pa.table(firmbanking.decode_arrow(capture, message=message))
    for step in (997, 20_000, 150_000):
        cuts = list(range(step, 600_000, step))
        t = ranges_table(firmbanking, capture, cuts, message=message)
        assert t.drop_columns(["_offset"]).equals(whole), step
        offsets = t.column("_offset").to_pylist()
        assert offsets == sorted(set(offsets))


def test_range_modes(firmbanking, tmp_path):
    good = (LAYOUTS / "firmbanking" / "transfer-request.bin").read_bytes()
    bad = bytearray(good)
    bad[4 + 130] = ord("O")
    path = tmp_path / "capture.bin"
    path.write_bytes(good * 10 + bytes(bad) + good * 10)
    at = 10 * len(good)

    t = ranges_table(firmbanking, path, [1000, 4000], mode="PERMISSIVE")
    assert t.num_rows == 21
    errors = [(o, e) for o, e in zip(t.column("_offset").to_pylist(), t.column("_error").to_pylist()) if e]
    assert len(errors) == 1 and errors[0][0] == at
    assert "transfer.amount" in errors[0][1]
    # Offsets in the error count from the file, not from the range the task read.
    assert f"frame at byte {at};" in errors[0][1]
    row = t.slice(10, 1).to_pylist()[0]
    assert row["header"] is None and row["message"] == "transfer"

    t = ranges_table(firmbanking, path, [1000, 4000], mode="dropmalformed")
    assert t.num_rows == 20 and "_error" not in t.column_names
    assert at not in t.column("_offset").to_pylist()

    with pytest.raises(fep.DecodeError) as e:
        ranges_table(firmbanking, path, [1000, 4000], mode="FAILFAST")
    assert (e.value.offset, e.value.frame_offset) == (129, at)
    assert f"frame at byte {at}; field at bytes 129..142" in str(e.value)
    with pytest.raises(ValueError, match="PERMISSIVE"):
        firmbanking.iter_arrow(path, mode="lenient")


def test_spark_tasks_pack_small_files_and_cut_large_ones(tmp_path):
    """The Spark data source's plan: every byte of every file in exactly one range, small
    files packed into one task, large ones cut, and no fewer tasks than cores while the
    files allow."""
    from fep.spark import partitions, ranges

    sizes = {"a.bin": 1_000, "b.bin": 250, "c.bin": 40, "d.bin": 3_000, "e.bin": 0}
    for name, size in sizes.items():
        (tmp_path / name).write_bytes(b"x" * size)

    def covered(tasks):
        """Per file, the (start, end) of its ranges in task order."""
        seen = {}
        for task in tasks:
            for path, start, end in task:
                seen.setdefault(path.rsplit("/", 1)[-1], []).append((start, end))
        return seen

    def whole(seen):
        """Each file's ranges join up from 0 to its end."""
        for name, parts in seen.items():
            assert parts[0][0] == 0 and parts[-1][1] is None, name
            for (_, end), (start, _) in zip(parts, parts[1:]):
                assert end == start, name
        return sorted(seen) == sorted(sizes)

    # No cost to open a file: a, b, c share a task up to 1,300 bytes; d is cut.
    tasks = partitions([str(tmp_path)], split_size=1_300, open_cost=0)
    assert [[(p.rsplit("/", 1)[-1], s, e) for p, s, e in t] for t in tasks] == [
        [("a.bin", 0, None), ("b.bin", 0, None), ("c.bin", 0, None)],
        [("d.bin", 0, 1_300)],
        [("d.bin", 1_300, 2_600)],
        [("d.bin", 2_600, None), ("e.bin", 0, None)],
    ]
    assert whole(covered(tasks))
    # Each file counted 100 bytes more: c no longer fits beside a and b.
    tasks = partitions([str(tmp_path)], split_size=1_300, open_cost=100)
    assert [len(t) for t in tasks] == [1, 2, 1, 1, 2]
    assert whole(covered(tasks))
    # An open cost of the split size or more: one range per task, as ranges() lists them.
    tasks = partitions([str(tmp_path)], split_size=1_300, open_cost=1_300)
    assert [t for [t] in tasks] == ranges([str(tmp_path)], 1_300)
    # Whole files (split size 0) are never cut, only packed.
    tasks = partitions([str(tmp_path)], split_size=0, open_cost=100)
    assert tasks == [[(str(tmp_path / n), 0, None) for n in sorted(sizes)]]
    # Ten cores for 4,290 bytes and 500 of open costs: tasks of 479 bytes at most.
    tasks = partitions([str(tmp_path)], split_size=1_300, open_cost=100, cores=10)
    assert len(tasks) >= 10
    assert whole(covered(tasks))
    for t in tasks:
        spans = [((e if e is not None else sizes[p.rsplit("/", 1)[-1]]) - s) for p, s, e in t]
        assert len(t) == 1 or sum(spans) + 100 * (len(t) - 1) <= 479
    # A file glob, and nothing to read.
    assert partitions([str(tmp_path)], glob="[ab].bin") == [
        [(str(tmp_path / "a.bin"), 0, None), (str(tmp_path / "b.bin"), 0, None)]
    ]
    assert partitions([str(tmp_path)], glob="*.none") == []
    # The options in bytes: any case, a default, and no negative sizes.
    from fep.spark import _bytes

    assert _bytes({"opencostinbytes": "0"}, "openCostInBytes", 5, "free") == 0
    assert _bytes({}, "openCostInBytes", 5, "free") == 5
    with pytest.raises(ValueError, match=r"openCostInBytes must be a number of bytes, or 0 \(free\)"):
        _bytes({"openCostInBytes": "-1"}, "openCostInBytes", 5, "free")
