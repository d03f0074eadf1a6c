"""The worked example of docs/spark.md: a month of captures to response-code counts per bank
per day, on Spark.

    python examples/spark/response_codes.py --make captures/   # writes the month's captures
    python examples/spark/response_codes.py captures/          # counts them with Spark

The captures are the bundled transfer response (layouts/firmbanking) with its bank, date,
sequence number and response code varied: 30 files, one a day of November 2024, 4,000
telegrams each. Run from the repository's root.
"""

import argparse
import datetime
import sys
from pathlib import Path

LAYOUT = "layouts/firmbanking.layout"
BANKS = [4, 11, 20, 81, 88]
PER_DAY = 4_000


def response_code(day: int, i: int) -> bytes:
    """Mostly 0000; some refusals, more of them at bank 088 on the 15th."""
    if i % 97 == 0:
        return b"E205"  # account closed
    if i % 31 == 0 or (day == 15 and BANKS[i % len(BANKS)] == 88 and i % 7 == 0):
        return b"E101"  # insufficient balance
    return b"0000"


def make(folder: Path) -> None:
    response = Path("layouts/firmbanking/transfer-response.bin").read_bytes()
    folder.mkdir(parents=True, exist_ok=True)
    for day in range(1, 31):
        date = datetime.date(2024, 11, day).strftime("%Y%m%d").encode()
        out = bytearray()
        for i in range(PER_DAY):
            t = bytearray(response)
            # Telegram offsets (after the 4-byte length prefix): bank_code 21..24,
            # seq_no 32..38, send_date 38..46, resp_code 52..56.
            t[4 + 21 : 4 + 24] = b"%03d" % BANKS[i % len(BANKS)]
            t[4 + 32 : 4 + 38] = b"%06d" % i
            t[4 + 38 : 4 + 46] = date
            t[4 + 52 : 4 + 56] = response_code(day, i)
            out += t
        (folder / f"2024-11-{day:02d}.bin").write_bytes(out)


def count(folder: str):
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    import fep.spark

    spark = SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false").getOrCreate()
    fep.spark.register(spark)
    df = (
        spark.read.format("fep")
        .option("layout", LAYOUT)
        .option("message", "transfer")
        # All the count needs: Spark does not tell the source, and every column shipped costs.
        .option("columns", "header")
        .load(folder)
    )
    counts = (
        df.select(
            F.col("header.send_date").alias("day"),
            F.col("header.bank_code").alias("bank"),
            F.col("header.resp_code").alias("resp_code"),
        )
        .groupBy("day", "bank", "resp_code")
        .count()
        .orderBy("day", "bank", "resp_code")
    )
    return spark, counts


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("folder")
    p.add_argument("--make", action="store_true", help="write the month's captures into FOLDER")
    args = p.parse_args()
    if args.make:
        make(Path(args.folder))
        return 0
    spark, counts = count(args.folder)
    counts.where("resp_code != '0000'").show(8)
    print("telegrams:", counts.agg({"count": "sum"}).first()[0])
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
