"""The fep data source on a real Spark (local[2]): 100,000 telegrams in several files, one
of them cut into several tasks, give the count, types and content of decode_arrow; a bad
telegram in each mode; the Spark 3.5 helper on binaryFile."""

import hashlib
import os
import time
from pathlib import Path

import pyarrow as pa
import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

import fep
import fep.spark

ROOT = Path(__file__).resolve().parents[2]
LAYOUTS = ROOT / "layouts"
LAYOUT = str(LAYOUTS / "firmbanking.layout")
SAMPLES = [
    "transfer-request",
    "balance-history",
    "transfer-response",
    "balance-inquiry-request",
    "balance-inquiry-response",
]
# Telegrams per file: 100,000 in all; the last file is larger than the split size.
COUNTS = [10_000, 15_000, 5_000, 70_000]
SPLIT = 4 * 1024 * 1024


@pytest.fixture(scope="session")
def spark():
    s = (
        SparkSession.builder.master("local[2]")
        .appName("fep-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    fep.spark.register(s)
    yield s
    s.stop()


@pytest.fixture(scope="session")
def captures(tmp_path_factory):
    """Four capture files of the firmbanking samples, sequence numbers counting up."""
    samples = [(LAYOUTS / "firmbanking" / f"{n}.bin").read_bytes() for n in SAMPLES]
    folder = tmp_path_factory.mktemp("captures")
    n = 0
    for i, count in enumerate(COUNTS):
        parts = []
        for _ in range(count):
            t = bytearray(samples[n % len(samples)])
            # header.seq_no: telegram bytes 32..38, after the 4-byte prefix.
            t[36:42] = b"%06d" % (n % 1_000_000)
            parts.append(bytes(t))
            n += 1
        (folder / f"day-{i:02d}.bin").write_bytes(b"".join(parts))
    # Hidden files are passed over, as Spark's file sources do.
    (folder / "_SUCCESS").write_bytes(b"")
    assert os.path.getsize(folder / "day-03.bin") > SPLIT
    return folder


def fields_only(table):
    return table.drop_columns([c for c in ("_file", "_offset", "_error") if c in table.column_names])


def content_hash(table):
    h = hashlib.sha256()
    for row in table.to_pylist():
        h.update(repr(row).encode())
    return h.hexdigest()


@pytest.mark.parametrize("message", ["transfer", None])
def test_the_dataframe_is_decode_arrow(spark, captures, message):
    schema = fep.Schema.load(LAYOUT)
    files = sorted(str(p) for p in captures.glob("day-*.bin"))
    native = pa.concat_tables([pa.table(schema.decode_arrow(f, message=message)) for f in files])
    # Spark has no time type by default: times travel as "hh:mm:ss".
    want = native.cast(fep.spark._times_as(native.schema, pa.time32("s"))).cast(
        fep.spark._times_as(native.schema, pa.string())
    )
    assert want.column("header").type.field("send_time").type == pa.string()
    assert want.column("header").combine_chunks().field("send_time")[0].as_py() == "09:30:15"

    reader = spark.read.format("fep").option("layout", LAYOUT).option("splitSize", str(SPLIT))
    if message:
        reader = reader.option("message", message)
    started = time.perf_counter()
    df = reader.load(str(captures))
    assert df.count() == want.num_rows
    print(f"\ncount of {want.num_rows} rows: {time.perf_counter() - started:.1f} s")
    # The big file is read by several tasks.
    assert df.rdd.getNumPartitions() == 3 + -(-os.path.getsize(captures / "day-03.bin") // SPLIT)

    # Types: the layout's, through Arrow.
    extra = ["_file", "_offset", "_error"]
    assert df.columns == want.column_names + extra
    expected = fep.spark.spark_schema(want.schema)
    got = {f.name: f.dataType for f in df.schema.fields if f.name not in extra}
    assert got == {f.name: f.dataType for f in expected.fields}

    rows = df.orderBy("_file", "_offset").toArrow()
    assert rows.column("_error").null_count == rows.num_rows
    got = fields_only(rows).cast(want.schema)
    assert got.num_rows == want.num_rows
    assert content_hash(got) == content_hash(want)
    # Every telegram once: offsets strictly increase within each file.
    per_file = df.groupBy("_file").agg(F.count("*").alias("n"), F.countDistinct("_offset").alias("d"))
    for r in per_file.collect():
        assert r["n"] == r["d"]


def test_spark_sql_on_the_rows(spark, captures):
    df = spark.read.format("fep").option("layout", LAYOUT).option("message", "transfer").load(str(captures))
    got = (
        df.groupBy(F.col("header.bank_code").alias("bank"), F.col("header.send_date").alias("day"))
        .agg(F.count("*").alias("n"), F.sum("amount").alias("amount"))
        .collect()
    )
    assert len(got) == 1
    assert got[0]["n"] == 40_000 and str(got[0]["day"]) == "2024-03-15"


def test_small_files_share_tasks(spark, tmp_path):
    """Sixty small files (a day's capture each) are read by a few tasks, not sixty: each
    task costs Spark tens of milliseconds whatever it reads. The rows are those of one task
    per file."""
    samples = [(LAYOUTS / "firmbanking" / f"{n}.bin").read_bytes() for n in SAMPLES]
    for day in range(60):
        (tmp_path / f"day-{day:02d}.bin").write_bytes(b"".join(samples) * (day + 1))
    reader = spark.read.format("fep").option("layout", LAYOUT).option("message", "transfer")
    packed = reader.load(str(tmp_path))
    # local[2]: the files' bytes and their open costs shared between the two cores.
    assert packed.rdd.getNumPartitions() == 2
    apart = spark.read.format("fep").option("layout", LAYOUT).option("message", "transfer")
    apart = apart.option("openCostInBytes", str(128 * 1024 * 1024)).load(str(tmp_path))
    assert apart.rdd.getNumPartitions() == 60
    order = ["_file", "_offset"]
    assert packed.orderBy(order).collect() == apart.orderBy(order).collect()
    assert packed.count() == 2 * sum(range(1, 61))


def test_columns_keeps_the_named_ones(spark, captures, malformed):
    """The columns option: only the named columns (in that order) and the added ones, with
    the values of the whole read; a bad telegram is still found, its error kept."""
    reader = (
        spark.read.format("fep")
        .option("layout", LAYOUT)
        .option("message", "transfer")
        .option("splitSize", str(SPLIT))
    )
    whole = reader.load(str(captures))
    some = reader.option("columns", "amount, header").load(str(captures))
    assert some.columns == ["amount", "header", "_file", "_offset", "_error"]
    assert dict(some.dtypes)["header"] == dict(whole.dtypes)["header"]
    cols = ["_file", "_offset", "amount", "header"]
    assert sorted(some.select(*cols).collect()) == sorted(whole.select(*cols).collect())

    folder, at = malformed
    bad = reader.option("columns", "amount").load(str(folder))
    rows = bad.where(F.col("_error").isNotNull()).collect()
    assert [(r["_offset"], r["amount"]) for r in rows] == [(at, None)]
    assert "transfer.amount" in rows[0]["_error"]

    with pytest.raises(Exception, match="'bank_code' is not a column of this read"):
        reader.option("columns", "amount,bank_code").load(str(captures)).columns


@pytest.fixture(scope="session")
def malformed(tmp_path_factory):
    good = (LAYOUTS / "firmbanking" / "transfer-request.bin").read_bytes()
    bad = bytearray(good)
    bad[4 + 130] = ord("O")  # a letter in the amount
    folder = tmp_path_factory.mktemp("bad")
    (folder / "capture.bin").write_bytes(good * 10 + bytes(bad) + good * 10)
    return folder, 10 * len(good)


def test_permissive(spark, malformed):
    folder, at = malformed
    df = (
        spark.read.format("fep")
        .option("layout", LAYOUT)
        .option("message", "transfer")
        .option("mode", "PERMISSIVE")
        .load(str(folder))
    )
    assert df.count() == 21
    bad = df.where(F.col("_error").isNotNull()).collect()
    assert len(bad) == 1
    assert bad[0]["_offset"] == at and bad[0]["amount"] is None
    assert "transfer.amount" in bad[0]["_error"]


def test_dropmalformed(spark, malformed):
    folder, at = malformed
    df = spark.read.format("fep").option("layout", LAYOUT).option("mode", "DROPMALFORMED").load(str(folder))
    assert df.count() == 20
    assert "_error" not in df.columns
    assert df.where(F.col("_offset") == at).count() == 0


def test_failfast(spark, malformed):
    folder, _ = malformed
    df = spark.read.format("fep").option("layout", LAYOUT).option("mode", "FAILFAST").load(str(folder))
    with pytest.raises(Exception, match="transfer.amount"):
        df.collect()


def test_batch_files_are_read_whole_and_checked(spark, tmp_path):
    """A layout with checks: each file one task whatever splitSize says, and a record that
    breaks the sequence is a bad row in PERMISSIVE mode."""
    sample = (LAYOUTS / "cms-batch" / "batch-file.bin").read_bytes()
    recs = [r for r in sample.split(b"\r\n") if r]
    bad = list(recs)
    bad[3] = bad[3][:1] + b"0000009" + bad[3][8:]
    (tmp_path / "good.bin").write_bytes(b"".join(r + b"\r\n" for r in recs))
    (tmp_path / "bad.bin").write_bytes(b"".join(r + b"\r\n" for r in bad))
    layout = str(LAYOUTS / "cms-batch.layout")
    reader = (
        spark.read.format("fep")
        .option("layout", layout)
        .option("message", "data_record")
        .option("splitSize", "100")
    )
    df = reader.load(str(tmp_path))
    assert df.rdd.getNumPartitions() == 2
    rows = df.orderBy("_file", "_offset").collect()
    assert [(Path(r["_file"]).name, r["seq"]) for r in rows] == [
        ("bad.bin", 1), ("bad.bin", 2), ("bad.bin", None),
        ("good.bin", 1), ("good.bin", 2), ("good.bin", 3),
    ]
    assert rows[2]["_error"].startswith("record 4 (byte 366): data_record.seq is 9")
    unchecked = reader.option("checks", "false").load(str(tmp_path))
    assert unchecked.where(F.col("_error").isNotNull()).count() == 0
    assert unchecked.rdd.getNumPartitions() > 2


def test_spark_35_helper_on_binary_files(spark, captures):
    files = spark.read.format("binaryFile").option("pathGlobFilter", "day-0[01].bin").load(str(captures))
    df = fep.spark.decode_binary_files(files, LAYOUT, message="transfer")
    assert df.count() == (COUNTS[0] + COUNTS[1]) * 2 // 5
    assert df.select("_file").distinct().count() == 2
    assert dict(df.dtypes)["amount"] == "bigint"
    some = fep.spark.decode_binary_files(files, LAYOUT, message="transfer", columns=["amount"])
    assert some.columns == ["amount", "_file", "_offset", "_error"]
    assert sorted(some.select("_file", "_offset", "amount").collect()) == sorted(
        df.select("_file", "_offset", "amount").collect()
    )


def test_the_worked_example(spark, tmp_path, monkeypatch):
    """docs/spark.md's example gives the counts that decode_arrow gives, file by file."""
    import importlib.util
    from collections import Counter

    monkeypatch.chdir(ROOT)
    spec = importlib.util.spec_from_file_location("response_codes", ROOT / "examples" / "spark" / "response_codes.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    example.make(tmp_path / "captures")
    _, counts = example.count(str(tmp_path / "captures"))
    got = {(r["day"], r["bank"], r["resp_code"]): r["count"] for r in counts.collect()}

    schema = fep.Schema.load(LAYOUT)
    want = Counter()
    for f in sorted((tmp_path / "captures").glob("*.bin")):
        for h in pa.table(schema.decode_arrow(f, message="transfer")).column("header").to_pylist():
            want[(h["send_date"], h["bank_code"], h["resp_code"])] += 1
    assert got == dict(want)
    assert sum(got.values()) == 30 * example.PER_DAY
    # The refusals the docs show.
    import datetime

    assert got[(datetime.date(2024, 11, 15), 88, "E101")] > 100
    assert got[(datetime.date(2024, 11, 14), 88, "E101")] < 50
