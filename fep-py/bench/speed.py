"""Prints how fast the Python package decodes in bulk: telegrams per second for
``decode_arrow`` (a capture file to an Arrow table) and for decoding to dicts.

Not a test: a figure printer. Run it with the package installed (scripts/test-python.sh
leaves one in target/python-venv):

    target/python-venv/bin/python fep-py/bench/speed.py [--count 1000000]

The capture is generated: firm-banking transfer requests (300-byte telegrams behind a
4-byte length prefix) with varying sequence numbers, amounts and names, written to a
temporary file.
"""

import argparse
import datetime
import os
import tempfile
import time
from pathlib import Path

import fep

LAYOUTS = Path(__file__).resolve().parents[2] / "layouts"


def generate(schema, count):
    base = next(schema.iter_decode(LAYOUTS / "firmbanking" / "transfer-request.bin")).to_dict()
    names = ["홍길동", "김철수", "이영희", "박민수", "JOHN SMITH"]
    variants = []
    for i in range(1000):
        fields = dict(base, amount=1000 * (i + 1), holder_name=names[i % len(names)])
        fields["header"] = dict(base["header"], seq_no=i)
        variants.append(schema.encode(fields, message="transfer", frame=True))
    block = b"".join(variants)
    return block * (count // len(variants)) + b"".join(variants[: count % len(variants)])


def by_hand(t):
    """The reference: the transfer telegram sliced by hand, as a script without fep would,
    to the same values (ints, None for blank numbers, text without its pad, a date)."""

    def text(a, b):
        return t[a:b].decode("euc-kr").rstrip(" ")

    def num(a, b):
        s = t[a:b]
        return None if s.strip() == b"" else int(s)

    def signed(a, b):
        s = t[a:b]
        if s.strip() == b"":
            return None
        v = int(s[1:])
        return -v if s[:1] == b"-" else v

    d = t[38:46]
    return {
        "header": {
            "system_id": text(0, 9),
            "company_id": text(9, 21),
            "bank_code": num(21, 24),
            "msg_code": text(24, 28),
            "task_code": text(28, 31),
            "send_count": num(31, 32),
            "seq_no": num(32, 38),
            "send_date": datetime.date(int(d[:4]), int(d[4:6]), int(d[6:8])),
            "send_time": datetime.time(int(t[46:48]), int(t[48:50]), int(t[50:52])),
            "resp_code": text(52, 56),
            "reserved": t[56:100].decode("euc-kr"),
        },
        "debit_acct": text(100, 115),
        "password": text(115, 123),
        "verify_code": text(123, 129),
        "amount": num(129, 142),
        "balance": signed(142, 156),
        "credit_bank": num(156, 159),
        "credit_acct": text(159, 174),
        "fee": num(174, 183),
        "cms_code": text(183, 199),
        "memo": text(199, 213),
        "holder_id": text(213, 226),
        "holder_name": text(226, 238),
        "orig_seq_no": text(238, 244),
        "fee_waiver": text(244, 245),
        "fund_type": text(245, 247),
    }


def rate(count, seconds):
    return f"{count / seconds:>12,.0f} telegrams/s  ({seconds:.2f} s)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="telegrams in the capture")
    parser.add_argument(
        "--dict-count",
        type=int,
        default=None,
        help="telegrams decoded to dicts (default: the whole capture)",
    )
    args = parser.parse_args()
    schema = fep.Schema.load(LAYOUTS / "firmbanking.layout")
    data = generate(schema, args.count)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "capture.bin"
        path.write_bytes(data)
        print(
            f"capture: {args.count:,} transfer telegrams, {len(data) / 1e6:.1f} MB, "
            f"fep {fep.__version__}, {os.cpu_count()} CPUs"
        )

        start = time.perf_counter()
        table = schema.decode_arrow(path, message="transfer")
        seconds = time.perf_counter() - start
        assert table.num_rows == args.count
        print(f"decode_arrow   file -> Arrow table        {rate(args.count, seconds)}")

        start = time.perf_counter()
        table = schema.decode_arrow(data, message="transfer")
        seconds = time.perf_counter() - start
        print(f"decode_arrow   bytes -> Arrow table       {rate(args.count, seconds)}")

        n = args.dict_count or args.count
        start = time.perf_counter()
        done = 0
        for msg in schema.iter_decode(path):
            msg.to_dict()
            done += 1
            if done == n:
                break
        seconds = time.perf_counter() - start
        print(f"iter_decode    file -> Message -> dict    {rate(done, seconds)}")

        telegrams = [data[i * 304 + 4 : (i + 1) * 304] for i in range(min(n, 100_000))]
        start = time.perf_counter()
        for t in telegrams:
            schema.decode(t).to_dict()
        seconds = time.perf_counter() - start
        print(f"decode         bytes -> Message -> dict   {rate(len(telegrams), seconds)}")

        start = time.perf_counter()
        for t in telegrams:
            schema.decode(t)
        seconds = time.perf_counter() - start
        print(f"decode         bytes -> Message           {rate(len(telegrams), seconds)}")

        assert by_hand(telegrams[0]) == schema.decode(telegrams[0]).to_dict()
        start = time.perf_counter()
        for t in telegrams:
            by_hand(t)
        seconds = time.perf_counter() - start
        print(f"reference      pure-Python slicing -> dict {rate(len(telegrams), seconds)}")


if __name__ == "__main__":
    main()
