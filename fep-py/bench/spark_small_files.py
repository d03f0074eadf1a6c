"""Prints what packing small files into shared tasks saves: the same query over many small
captures (a year of daily files, say) read by the fep data source as it plans its tasks, and
with every file in a task of its own (``openCostInBytes`` at the split size).

Not a test: a figure printer. Run it in the environment scripts/test-spark.sh makes:

    PYSPARK_PYTHON=target/spark-venv/bin/python \\
        target/spark-venv/bin/python fep-py/bench/spark_small_files.py [--files 365] [--count 1000] [--cores 2]

Each file holds ``--count`` transfer telegrams generated as by speed.py. Each read runs
once unmeasured, then twice in turns with the other; both times are printed.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pyspark.sql import SparkSession  # noqa: E402

import fep  # noqa: E402
import fep.spark  # noqa: E402
from speed import LAYOUTS, generate  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--files", type=int, default=365)
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--cores", type=int, default=2)
    args = p.parse_args()
    layout = str(LAYOUTS / "firmbanking.layout")
    data = generate(fep.Schema.load(layout), args.count)
    spark = SparkSession.builder.master(f"local[{args.cores}]").config("spark.ui.enabled", "false").getOrCreate()
    fep.spark.register(spark)
    with tempfile.TemporaryDirectory() as d:
        for i in range(args.files):
            Path(os.path.join(d, f"day-{i:03d}.bin")).write_bytes(data)

        def read(**options):
            reader = spark.read.format("fep").option("layout", layout).option("message", "transfer")
            for name, value in options.items():
                reader = reader.option(name, value)
            return reader.load(d)

        reads = [
            ("packed (the default)", read()),
            ("one task per file", read(openCostInBytes=str(fep.spark.DEFAULT_SPLIT_SIZE))),
        ]
        for _, df in reads:
            df.selectExpr("sum(amount)").collect()  # warm-up
        times: dict = {label: [] for label, _ in reads}
        for _ in range(2):
            for label, df in reads:
                started = time.perf_counter()
                (total,) = df.selectExpr("count(*)", "sum(amount)").collect()[0][:1]
                times[label].append(time.perf_counter() - started)
                assert total == args.files * args.count, total
        tasks = {label: df.rdd.getNumPartitions() for label, df in reads}
    spark.stop()
    print(f"{args.files} files of {args.count:,} transfer telegrams, Spark local[{args.cores}], count(*) and sum(amount)")
    for label, secs in times.items():
        print(f"{label + ':':22s} {tasks[label]:>5} tasks, {' and '.join(f'{s:.2f} s' for s in secs)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
