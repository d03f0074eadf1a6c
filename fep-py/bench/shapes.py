"""Prints how fast the Python package decodes the four bench messages of
layouts/securities.layout, each beside pure-Python slicing of the same message to the
same values: telegrams per second for ``decode``, ``decode().to_dict()``,
``decode_dict`` and ``decode_arrow``, and the ratio of each to the slicing; on the
Hangul-heavy message, whether ``to_dict`` and ``decode_arrow`` meet their targets
(>= 400,000 telegrams/s and 5x the slicing, >= 2,000,000/s and 30x).

Each message is timed twice: over its sample telegram repeated, and over ``--count``
different telegrams of it (the sample's values replaced by random ones of at most their
size, encoded by the layout: Korean text as random words, numbers and spaces). The
difference is large for fep: decoding one telegram again and again, the processor learns
every branch of it (where Hangul gives way to a space or a digit, where a field's pad
starts), which different telegrams do not allow; the slicing, mostly the interpreter's own
work, hardly changes. The rows "(different)" are what a real stream gets.

Each batch is timed in rounds: every path once per round over the batch of ``--count``
telegrams, in turns, with each ratio taken within its round. The figures printed are the
medians over the rounds (telegrams/s and the ratio), with the lowest and highest ratio.

Not a test: a figure printer (it asserts that the slicing gives what ``to_dict`` gives).
Run it with the package installed (scripts/test-python.sh leaves one in
target/python-venv):

    target/python-venv/bin/python fep-py/bench/shapes.py [--count 20000] [--rounds 5]

The messages: ``order`` (200 bytes, ASCII only), ``customer`` (400 bytes, ten Hangul
fields in EUC-KR, two of them full-width ``G``), ``settlement`` (250 bytes, signed,
overpunched and scaled numbers) and ``history`` (2,054 bytes, 20 counted rows).
"""

import argparse
import datetime
import decimal
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

import fep

LAYOUTS = Path(__file__).resolve().parents[2] / "layouts"
SAMPLES = {
    "order": "order-request.bin",
    "customer": "customer-register.bin",
    "settlement": "settlement.bin",
    "history": "history-20.bin",
}

OVERPUNCH = {c: (i, False) for i, c in enumerate(b"{ABCDEFGHI")}
OVERPUNCH.update({c: (i, True) for i, c in enumerate(b"}JKLMNOPQR")})


def text(b):
    return b.decode("euc-kr").rstrip(" ")


def gtext(b):
    return b.decode("euc-kr").rstrip("\u3000")


def num(b):
    return None if b.strip() == b"" else int(b)


def dec(b, scale):
    return None if b.strip() == b"" else decimal.Decimal(int(b)).scaleb(-scale)


def leading(b, scale=0):
    if b.strip() == b"":
        return None
    v = int(b[1:]) * (-1 if b[:1] == b"-" else 1)
    return decimal.Decimal(v).scaleb(-scale) if scale else v


def trailing(b):
    if b.strip() == b"":
        return None
    return int(b[:-1]) * (-1 if b[-1:] == b"-" else 1)


def overpunch(b, scale=0):
    if b.strip() == b"":
        return None
    d, neg = OVERPUNCH[b[-1]]
    v = (int(b[:-1] or b"0") * 10 + d) * (-1 if neg else 1)
    return decimal.Decimal(v).scaleb(-scale) if scale else v


def date(b):
    return None if b.strip() == b"" else datetime.date(int(b[:4]), int(b[4:6]), int(b[6:8]))


def hms(b):
    return None if b.strip() == b"" else datetime.time(int(b[:2]), int(b[2:4]), int(b[4:6]))


def order(t):
    return {
        "tr_code": text(t[0:4]),
        "account": text(t[4:15]),
        "branch": text(t[15:18]),
        "order_no": num(t[18:28]),
        "orig_order_no": num(t[28:38]),
        "order_date": date(t[38:46]),
        "order_time": hms(t[46:52]),
        "isin": text(t[52:64]),
        "market": text(t[64:66]),
        "side": text(t[66:67]),
        "order_type": text(t[67:69]),
        "quantity": num(t[69:79]),
        "price": num(t[79:88]),
        "condition": text(t[88:89]),
        "channel": text(t[89:91]),
        "ip_addr": text(t[91:130]),
        "mac_addr": text(t[130:142]),
        "user_id": text(t[142:154]),
        "resp_code": text(t[154:158]),
    }


def customer(t):
    return {
        "tr_code": text(t[0:4]),
        "account": text(t[4:15]),
        "name": text(t[15:35]),
        "name_fw": gtext(t[35:55]),
        "birth_date": date(t[55:63]),
        "phone": text(t[63:78]),
        "zip_code": text(t[78:83]),
        "address": text(t[83:153]),
        "address_detail": text(t[153:203]),
        "employer": text(t[203:243]),
        "job_title": text(t[243:263]),
        "branch_name": gtext(t[263:283]),
        "manager": text(t[283:295]),
        "risk_grade": text(t[295:305]),
        "memo": text(t[305:385]),
        "resp_code": text(t[385:389]),
    }


def settlement(t):
    return {
        "tr_code": text(t[0:4]),
        "account": text(t[4:15]),
        "trade_date": date(t[15:23]),
        "settle_date": date(t[23:31]),
        "isin": text(t[31:43]),
        "quantity": num(t[43:53]),
        "price": dec(t[53:64], 2),
        "gross_amount": num(t[64:79]),
        "commission": dec(t[79:92], 2),
        "tax": overpunch(t[92:103]),
        "fx_rate": dec(t[103:113], 4),
        "foreign_amount": leading(t[113:129], 2),
        "pnl": trailing(t[129:143]),
        "pnl_rate": overpunch(t[143:150], 4),
        "accrued": overpunch(t[150:163], 2),
        "net_amount": leading(t[163:179]),
        "cash_before": leading(t[179:195]),
        "cash_after": leading(t[195:211]),
        "loan_balance": num(t[211:224]),
        "margin_ratio": dec(t[224:229], 2),
        "resp_code": text(t[229:233]),
    }


def history(t):
    n = int(t[51:54])
    rows = []
    for i in range(n):
        r = t[54 + 100 * i : 154 + 100 * i]
        rows.append(
            {
                "trade_date": date(r[0:8]),
                "seq": num(r[8:13]),
                "kind": text(r[13:17]),
                "isin": text(r[17:29]),
                "quantity": num(r[29:39]),
                "price": num(r[39:48]),
                "amount": leading(r[48:64]),
                "balance": leading(r[64:80]),
                "memo": text(r[80:100]),
            }
        )
    return {
        "tr_code": text(t[0:4]),
        "account": text(t[4:15]),
        "from_date": date(t[15:23]),
        "to_date": date(t[23:31]),
        "next_key": text(t[31:51]),
        "count": n,
        "rows": rows,
    }


BY_HAND = {"order": order, "customer": customer, "settlement": settlement, "history": history}

# Words for the different telegrams' Korean text: places, a company, titles, a memo's.
WORDS = (
    "서울 부산 대구 인천 광주 대전 울산 세종 강남구 서초구 송파구 해운대구 영등포구 "
    "여의대로 테헤란로 한빛 무역 재무팀 과장 대리 부장 상담 희망 오후 연락 이전 "
    "연금저축 적극투자형 안정형 김영희 이철수 박민수 최지우 정다은 파크원타워 센터"
).split()
SYLLABLES = "가나다라마바사아자차카타파하김이박최정강조윤장임한오서신권황안송류홍"
ASCII = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


# What chooses the message, and a repeat's count of rows, stay as they are.
KEPT = {"tr_code", "count"}


def different(value, rng):
    """A value like ``value``, as ``to_dict`` gives it, of at most its size: Korean text as
    random words, digits and spaces (all syllables when it has no space or ASCII, as a
    full-width field); other text random letters and digits; numbers random with at most
    its digits and its sign; dates and times random. Lists and dicts item by item."""
    if isinstance(value, dict):
        return {k: v if k in KEPT else different(v, rng) for k, v in value.items()}
    if isinstance(value, list):
        return [different(v, rng) for v in value]
    if isinstance(value, str):
        room = len(value.encode("euc-kr"))
        if value.isascii():
            return "".join(rng.choice(ASCII) for _ in range(rng.randint(room // 2, room)))
        if all(not c.isascii() for c in value):
            return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, room // 2)))
        out = ""
        goal = rng.randint(room // 2, room)
        while True:
            word = str(rng.randint(1, 999)) if rng.random() < 0.25 else rng.choice(WORDS)
            longer = f"{out} {word}" if out else word
            if len(longer.encode("euc-kr")) > goal:
                return out
            out = longer
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        digits = len(str(abs(value)))
        v = rng.randint(0, 10**digits - 1)
        return -v if value < 0 and rng.random() < 0.5 else v
    if isinstance(value, decimal.Decimal):
        sign, digits, exponent = value.as_tuple()
        v = rng.randint(0, 10 ** len(digits) - 1)
        return decimal.Decimal(-v if sign and rng.random() < 0.5 else v).scaleb(exponent)
    if isinstance(value, datetime.date):
        return datetime.date(2000, 1, 1) + datetime.timedelta(days=rng.randint(0, 11_000))
    if isinstance(value, datetime.time):
        return datetime.time(rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59))
    raise TypeError(f"no different value for {value!r}")


def different_telegrams(schema, name, sample, n, seed=1):
    """``n`` telegrams of message ``name``, each with values of its own (``different`` of
    the sample's), encoded by the layout; a repeat keeps its count of rows."""
    rng = random.Random(seed)
    fields = schema.decode(sample).to_dict()
    return [schema.encode(different(fields, rng), message=name) for _ in range(n)]


def timed(f, n):
    start = time.perf_counter()
    f()
    return n / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000, help="telegrams per batch")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per message")
    args = parser.parse_args()
    n, rounds = args.count, max(1, args.rounds)
    schema = fep.Schema.load(LAYOUTS / "securities.layout")
    print(
        f"fep {fep.__version__}, {os.cpu_count()} CPUs, {n:,} telegrams per batch, "
        f"{rounds} rounds per message"
    )
    print(f"{'message / path':<52} {'telegrams/s':>12} {'x slicing':>10} {'(range)':>14}")
    for name, sample in SAMPLES.items():
        framed = (LAYOUTS / "securities" / sample).read_bytes()
        t = framed[4:]
        hand = BY_HAND[name]
        assert hand(t) == schema.decode(t).to_dict() == schema.decode_dict(t), name
        prefix = framed[:4]
        different_ones = different_telegrams(schema, name, t, n)
        for x in different_ones[:100]:
            assert hand(x) == schema.decode(x).to_dict() == schema.decode_dict(x), name
        for data, telegrams in (("", [t] * n), (" (different)", different_ones)):
            measure(schema, name + data, hand, telegrams, prefix, rounds)


# The targets on the Hangul-heavy message (customer): telegrams/s and times the slicing.
TARGETS = {
    "decode().to_dict()": (400_000, 5.0),
    "decode_arrow, capture file": (2_000_000, 30.0),
}


def verdict(name, path, rate, ratio):
    """``>= RATE/s, >= Nx: met`` (or ``NOT met``) where a target applies, else ``""``."""
    if name != "customer" or path not in TARGETS:
        return ""
    want_rate, want_ratio = TARGETS[path]
    met = rate >= want_rate and ratio >= want_ratio
    return f"  >= {want_rate:,}/s, >= {want_ratio:g}x: {'met' if met else 'NOT met'}"


def measure(schema, label, hand, telegrams, prefix, rounds):
    """Times every path over ``telegrams`` of one message in rounds and prints a row each."""
    n = len(telegrams)
    name = label.split(" ")[0]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "capture.bin"
        path.write_bytes(b"".join(prefix + x for x in telegrams))

        def arrow():
            assert schema.decode_arrow(path, message=name).num_rows == n, name

        paths = [
            ("pure-Python slicing -> dict", lambda: [hand(x) for x in telegrams]),
            ("decode", lambda: [schema.decode(x) for x in telegrams]),
            ("decode().to_dict()", lambda: [schema.decode(x).to_dict() for x in telegrams]),
            ("decode_dict()", lambda: [schema.decode_dict(x) for x in telegrams]),
            ("decode_arrow, capture file", arrow),
        ]
        # Each round times every path once, in turns (the order reversed every other
        # round), and each ratio is taken within its round: the machine's speed drifts
        # between rounds, much less within one.
        rates = {p: [] for p, _ in paths}
        for r in range(rounds):
            for p, f in paths if r % 2 == 0 else paths[::-1]:
                rates[p].append(timed(f, n))
    slicing = rates[paths[0][0]]
    for p, _ in paths:
        ratios = [a / b for a, b in zip(rates[p], slicing)]
        spread = f"{min(ratios):.1f}-{max(ratios):.1f}"
        rate, ratio = statistics.median(rates[p]), statistics.median(ratios)
        print(
            f"{label + ': ' + p:<52} {rate:>12,.0f} {ratio:>9.1f}x {spread:>14}"
            f"{verdict(name, p, rate, ratio)}"
        )


if __name__ == "__main__":
    main()
