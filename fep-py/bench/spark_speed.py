"""Prints how fast Spark reads captures through the fep data source, per core, beside
single-process ``decode_arrow`` on the same files.

Not a test: a figure printer. Run it in the environment scripts/test-spark.sh makes:

    PYSPARK_PYTHON=target/spark-venv/bin/python \\
        target/spark-venv/bin/python fep-py/bench/spark_speed.py [--count 400000] [--cores 2] [--rounds 3]

The capture is generated as by speed.py (300-byte transfer requests behind a 4-byte
length prefix), split into four files, read with the default split size (128 MiB). Spark
runs in local mode with ``--cores`` task slots; the figure per core is telegrams / (seconds
x cores). Each read runs once first, unmeasured (the JVM and the Python workers start, and
the JVM compiles its hot code over the first reads: a full read is a fifth slower then);
then rounds of every read in turn, ``decode_arrow`` among them, and the median of the
rounds is printed, with the range of the ratio. A Spark stage also pays for its tasks'
start and for moving the batches from Python to the JVM: that is what the ratio shows.

Three reads: every column, ``columns=amount`` (all that the query needs), and every column
again from batches decoded beforehand. The first two decode every field of every telegram,
as ``decode_arrow`` does; the second ships one column to the JVM instead of all of them
(Spark does not tell a Python data source which columns a query reads). The third is the
ceiling of any Python data source for this message: a source that decodes nothing, handing
Spark the same batches in the same tasks (the fep source's, written to Arrow files first
and read back from memory maps), so that all it measures is Spark taking a Python source's batches. Last, the
time of the same query on four files of ten telegrams: what a query costs whatever its size
(planning, tasks, Python workers), included in the figures above.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pyarrow as pa  # noqa: E402
from pyspark.sql import SparkSession  # noqa: E402

import fep  # noqa: E402
import fep.spark  # noqa: E402
from speed import LAYOUTS, generate  # noqa: E402


def decoded_beforehand(layout, tasks, folder):
    """A Spark data source of the fep source's batches, decoded now and written to Arrow
    files in ``folder`` (not the captures' folder, which the fep source reads whole), one
    file and one Spark task for each of the fep source's ``tasks``; its reads hand Spark
    those batches as they are."""
    from pyspark.sql.datasource import DataSource, DataSourceReader, InputPartition

    read = fep.spark._read_options({"layout": layout, "message": "transfer"})
    arrow_files = []
    for i, task in enumerate(tasks):
        out = os.path.join(folder, f"task-{i}.arrow")
        with pa.OSFile(out, "wb") as sink, pa.ipc.new_file(sink, read.arrow_schema()) as w:
            for path, start, end in task:
                for batch in read.batches(path, start, end):
                    w.write_batch(batch)
        arrow_files.append(out)
    spark_schema = fep.spark.spark_schema(read.arrow_schema())

    class Reader(DataSourceReader):
        def partitions(self):
            return [InputPartition(path) for path in arrow_files]

        def read(self, partition):
            with pa.memory_map(partition.value) as source:
                f = pa.ipc.open_file(source)
                for i in range(f.num_record_batches):
                    yield f.get_batch(i)

    class DecodedBeforehand(DataSource):
        @classmethod
        def name(cls):
            return "decoded_beforehand"

        def schema(self):
            return spark_schema

        def reader(self, schema):
            return Reader()

    return DecodedBeforehand


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--count", type=int, default=400_000)
    p.add_argument("--cores", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    layout = str(LAYOUTS / "firmbanking.layout")
    schema = fep.Schema.load(layout)
    with tempfile.TemporaryDirectory() as d, tempfile.TemporaryDirectory() as decoded:
        data = generate(schema, args.count)
        size = len(data) // 4 // 304 * 304
        files = []
        for i in range(4):
            path = os.path.join(d, f"part-{i}.bin")
            Path(path).write_bytes(data[i * size : (i + 1) * size if i < 3 else len(data)])
            files.append(path)

        def single_process():
            started = time.perf_counter()
            n = sum(pa.table(schema.decode_arrow(f, message="transfer")).num_rows for f in files)
            return n, time.perf_counter() - started

        rows, _ = single_process()
        spark = (
            SparkSession.builder.master(f"local[{args.cores}]")
            .config("spark.ui.enabled", "false")
            .getOrCreate()
        )
        fep.spark.register(spark)

        def fep_read(folder=d, **options):
            reader = spark.read.format("fep").option("layout", layout).option("message", "transfer")
            for name, value in options.items():
                reader = reader.option(name, value)
            return reader.load(folder)

        tasks = fep.spark.partitions([d], cores=args.cores)
        spark.dataSource.register(decoded_beforehand(layout, tasks, decoded))
        reads = [
            ("every column", fep_read()),
            ("columns=amount", fep_read(columns="amount")),
            ("no decoding", spark.read.format("decoded_beforehand").load()),
        ]
        for _, df in reads:  # warm-up: the JVM compiles its hot code over the first reads
            df.selectExpr("sum(amount)").collect()
        # Rounds of every read in turn, decode_arrow among them, so that a drift in the
        # machine's speed touches all of them alike; the median over the rounds is printed.
        single: list = []
        timings: dict = {label: [] for label, _ in reads}
        for _ in range(args.rounds):
            single.append(single_process()[1])
            for label, df in reads:
                started = time.perf_counter()
                (total,) = df.selectExpr("count(*)", "sum(amount)").collect()[0][:1]
                timings[label].append(time.perf_counter() - started)
                assert total == rows == args.count, (total, rows)
        with tempfile.TemporaryDirectory() as tiny:
            for i in range(4):
                Path(os.path.join(tiny, f"part-{i}.bin")).write_bytes(data[: 10 * 304])
            df = fep_read(tiny)
            df.selectExpr("sum(amount)").collect()  # warm-up
            fixed = []
            for _ in range(args.rounds):
                started = time.perf_counter()
                df.selectExpr("count(*)", "sum(amount)").collect()
                fixed.append(time.perf_counter() - started)
        spark.stop()
    single_rate = rows / statistics.median(single)
    print(f"{rows:,} telegrams of 304 bytes in {len(files)} files, {len(tasks)} tasks; median of {args.rounds} rounds")
    print(f"decode_arrow, one process:               {single_rate:>12,.0f} telegrams/s")
    for label, secs in timings.items():
        per_core = rows / statistics.median(secs) / args.cores
        ratios = sorted(s1 / s2 / args.cores for s1, s2 in zip(single, secs))
        print(
            f"Spark local[{args.cores}], {label + ',':16s} per core: {per_core:>12,.0f} telegrams/s "
            f"({statistics.median(secs):.2f} s), ratio {statistics.median(ratios):.2f} "
            f"(rounds {ratios[0]:.2f}-{ratios[-1]:.2f})"
        )
    print(f"the same query on 4 files of 10 telegrams: {statistics.median(fixed):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
