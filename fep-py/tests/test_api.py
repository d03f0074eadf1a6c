"""The Python API: schemas, decode and its inputs, the Message mapping, encode and its
values, streams, explain and key."""

import datetime
import io
import json
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

import pytest

import fep
from conftest import LAYOUTS

PING = """\
encoding ascii
message ping 10 {
  kind   X(4) = "PING"
  seq    9(6)          "일련번호"
}
"""

# Every kind of value in one message, with a time without seconds.
KINDS = """\
encoding euc-kr
framing lines
message all {
  text     X(6)                      "글자"
  secret   X(4)   secret
  card     X(8)   mask
  int      S9(5)  sign leading
  big      9(20)
  money    9(7)V9(2)
  date     9(8)   date
  hhmm     9(4)   time("hhmm")
  stamp    9(14)  datetime
  raw      B(2)
  tags[3]  X(3)
  count    9(1)
  items[count, max=3] {
    code   X(2)
  }
}
"""


@pytest.fixture(scope="module")
def kinds():
    return fep.Schema.parse(KINDS, name="kinds.layout")


KINDS_VALUES = {
    "text": "가나다",
    "secret": "4321",
    "card": "12345678",
    "int": -42,
    "big": 12345678901234567890,
    "money": Decimal("12345.67"),
    "date": datetime.date(2024, 3, 15),
    "hhmm": datetime.time(9, 30),
    "stamp": datetime.datetime(2024, 3, 15, 9, 30, 15),
    "raw": b"\x00\xff",
    "count": 2,
    "items": [{"code": "AB"}, {"code": "CD"}],
    "tags": ["x", "yz", ""],
}


# ------------------------------------------------------------------ schemas


def test_load_takes_str_and_path():
    by_str = fep.Schema.load(str(LAYOUTS / "firmbanking.layout"))
    by_path = fep.Schema.load(LAYOUTS / "firmbanking.layout")
    assert [m.name for m in by_str.messages] == [m.name for m in by_path.messages]
    assert repr(by_path) == "<fep.Schema 3 messages: transfer, balance_history, balance_inquiry>"


def test_schema_properties(firmbanking):
    assert firmbanking.encoding == "euc-kr"
    assert firmbanking.framing == "length-prefix 4 ascii"
    assert firmbanking.key_paths == [
        "header.send_date",
        "header.bank_code",
        "header.company_id",
        "header.seq_no",
    ]
    forex = fep.Schema.load(LAYOUTS / "forex-remittance.layout")
    assert forex.framing == "length-prefix 4 ascii inclusive"
    assert fep.Schema.load(LAYOUTS / "card-utf8.layout").framing == "length-prefix 2 binary"
    assert fep.Schema.load(LAYOUTS / "cms-batch.layout").framing == "lines"
    assert fep.Schema.parse(PING).framing == "none"


def test_messages_and_fields_for_inspection(firmbanking):
    transfer = firmbanking.messages[0]
    assert isinstance(transfer, fep.MessageInfo)
    assert (transfer.name, transfer.length, transfer.min_length) == ("transfer", 300, 300)
    assert transfer.conditions == [
        ("header.msg_code", ["2000", "2100"]),
        ("header.task_code", ["100"]),
    ]
    fields = {f.path: f for f in transfer.fields}
    amount = fields["amount"]
    assert (amount.offset, amount.length, amount.type, amount.description) == (
        129,
        13,
        "9(13)",
        "출금금액",
    )
    assert (amount.kind, amount.scale, amount.sensitivity, amount.depth) == ("integer", 0, "plain", 0)
    assert fields["header"].kind == "record"
    assert fields["header.seq_no"].depth == 1
    assert fields["password"].sensitivity == "secret"
    assert fields["debit_acct"].sensitivity == "mask"
    assert fields["_"].filler
    assert fields["balance"].attributes == "sign leading"
    assert fields["header.send_date"].attributes == "date"
    assert fields["debit_acct"].attributes == "mask"
    assert repr(amount) == (
        "FieldInfo(path='amount', offset=129, length=13, type='9(13)', description='출금금액')"
    )
    assert repr(transfer) == "MessageInfo(name='transfer', length=300, fields=28)"

    history = firmbanking.message("balance_history")
    assert history.length is None
    items = {f.path: f for f in history.fields}["items[]"]
    assert (items.repeat, items.repeated, items.total_length) == ("[count, max=10]", True, None)
    assert {f.path: f for f in history.fields}["items[].amount"].kind == "integer"
    with pytest.raises(KeyError):
        firmbanking.message("nope")


def test_field_kinds(kinds):
    got = {f.path: (f.kind, f.scale) for f in kinds.messages[0].fields}
    assert got == {
        "text": ("text", None),
        "secret": ("text", None),
        "card": ("text", None),
        "int": ("integer", 0),
        "big": ("decimal", 0),
        "money": ("decimal", 2),
        "date": ("date", None),
        "hhmm": ("time", None),
        "stamp": ("datetime", None),
        "raw": ("bytes", None),
        "count": ("integer", 0),
        "items[]": ("record", None),
        "items[].code": ("text", None),
        "tags[]": ("text", None),
    }


# ------------------------------------------------------------------ decode inputs


def test_decode_takes_bytes_bytearray_memoryview_and_hex(firmbanking, transfer):
    want = firmbanking.decode(transfer)
    hexed = transfer.hex()
    forms = {
        "bytearray": bytearray(transfer),
        "memoryview": memoryview(transfer),
        "hex": hexed,
        "HEX": hexed.upper(),
        "hex with spaces": " ".join(hexed[i : i + 2] for i in range(0, len(hexed), 2)),
        "hex over lines": "\n".join(hexed[i : i + 32] for i in range(0, len(hexed), 32)) + "\n",
        "0x bytes": ", ".join("0x" + hexed[i : i + 2] for i in range(0, len(hexed), 2)),
        "0x prefix": "0x" + hexed,
        # As `xxd` prints it: offsets first, an ASCII column after.
        "xxd dump": "".join(
            f"{i:08x}: "
            + " ".join(hexed[j : j + 4] for j in range(2 * i, min(2 * i + 32, len(hexed)), 4))
            + "  "
            + "".join(chr(b) if 32 <= b < 127 else "." for b in transfer[i : i + 16])
            + "\n"
            for i in range(0, len(transfer), 16)
        ),
    }
    for name, data in forms.items():
        assert firmbanking.decode(data) == want, name


def test_a_message_outlives_and_ignores_the_data_it_was_decoded_from(
    firmbanking, transfer, transfer_framed
):
    # A message's ASCII text borrows from the telegram it was decoded from: the message
    # must keep that telegram alive, and a bytearray or memoryview is copied first.
    import gc

    want = firmbanking.decode(transfer).to_dict()
    # A bytes object made here, so that the message may hold its last reference.
    owned = bytes(bytearray(transfer))
    msg = firmbanking.decode(owned)
    del owned
    gc.collect()
    # Memory freed now would be taken by these.
    junk = [bytes([90]) * len(transfer) for _ in range(1000)]
    assert msg.to_dict() == want
    del junk
    for make in (bytearray, lambda b: memoryview(bytearray(b))):
        data = make(transfer)
        msg = firmbanking.decode(data)
        data[:] = b"X" * len(transfer)
        del data
        gc.collect()
        junk = [bytearray(b"Z" * len(transfer)) for _ in range(1000)]
        assert msg.to_dict() == want
        assert msg == firmbanking.decode(transfer)
        del junk
    # A framed telegram is taken out of its frame into bytes of the message's own.
    data = bytes(bytearray(transfer_framed))
    msg = firmbanking.decode(data, framed=True)
    del data
    gc.collect()
    junk = [bytes([90]) * len(transfer_framed) for _ in range(1000)]
    assert msg.to_dict() == want
    del junk


def test_decode_chooses_by_conditions_or_by_name(firmbanking, transfer):
    assert firmbanking.decode(transfer).name == "transfer"
    assert firmbanking.decode(transfer, message="transfer").name == "transfer"


def test_decode_framed(firmbanking, transfer_framed, transfer):
    assert firmbanking.decode(transfer_framed, framed=True) == firmbanking.decode(transfer)


def test_decode_values_are_python_types(kinds):
    telegram = kinds.encode(KINDS_VALUES, message="all")
    msg = kinds.decode(telegram)
    assert msg.to_dict() == KINDS_VALUES
    assert type(msg["big"]) is int
    assert type(msg["money"]) is Decimal and str(msg["money"]) == "12345.67"
    assert type(msg["stamp"]) is datetime.datetime
    assert json.loads(msg.to_json())["fields"]["hhmm"] == "09:30"


def test_blank_numbers_dates_and_times_are_none(kinds):
    msg = kinds.decode(kinds.encode({"count": 0, "tags": ["", "", ""]}, message="all"))
    assert msg.to_dict() == {
        "text": "",
        "secret": "",
        "card": "",
        "int": None,
        "big": None,
        "money": None,
        "date": None,
        "hhmm": None,
        "stamp": None,
        "raw": b"\x00\x00",
        "count": 0,
        "items": [],
        "tags": ["", "", ""],
    }


# ------------------------------------------------------------------ Message


def test_message_is_a_read_only_mapping(firmbanking, transfer):
    msg = firmbanking.decode(transfer)
    assert isinstance(msg, Mapping)
    assert msg.name == "transfer"
    assert msg.offset is None
    assert len(msg) == 16
    assert list(msg)[:3] == ["header", "debit_acct", "password"]
    assert list(msg.keys()) == list(msg)
    assert list(msg.values())[4] == 10000
    assert dict(msg.items()) == msg.to_dict()
    assert dict(msg) == msg.to_dict()
    assert msg["amount"] == 10000
    assert msg["header"]["seq_no"] == 123
    assert msg.get("amount") == 10000
    assert msg.get("nope") is None
    assert msg.get("nope", 7) == 7
    assert "amount" in msg and "nope" not in msg and 3 not in msg
    with pytest.raises(KeyError):
        msg["nope"]
    with pytest.raises(TypeError):
        msg["amount"] = 1
    with pytest.raises(AttributeError):
        msg.name = "other"
    with pytest.raises(TypeError):
        hash(msg)
    # Values are the caller's: changing one does not change the message.
    header = msg["header"]
    header["seq_no"] = 999
    assert msg["header"]["seq_no"] == 123
    assert msg == msg.to_dict()
    assert msg != {"amount": 1}
    assert msg != 5


def test_message_repr_masks_sensitive_fields(firmbanking, transfer):
    msg = firmbanking.decode(transfer)
    text = repr(msg)
    assert text.startswith('<fep.Message transfer {"header":{"system_id":"","company_id":"TESTCO0001"')
    assert '"debit_acct":"*********4005"' in text
    assert '"password":"****"' in text
    assert '"credit_acct":"********3444"' in text
    assert '"holder_id":"**0101"' in text
    assert '"holder_name":"홍길동"' in text
    for secret in ["1002003004005", "4321", "110222333444", "800101"]:
        assert secret not in text
        assert secret not in str(msg)
    # Programs get the real values.
    assert msg["password"] == "4321"
    assert msg["debit_acct"] == "1002003004005"


def test_to_json(firmbanking, transfer):
    msg = firmbanking.decode(transfer)
    plain = json.loads(msg.to_json())
    assert plain["message"] == "transfer"
    assert plain["fields"]["password"] == "4321"
    assert plain["fields"]["header"]["send_date"] == "2024-03-15"
    redacted = json.loads(msg.to_json(redact=True))
    assert redacted["fields"]["password"] == "****"
    assert redacted["fields"]["debit_acct"] == "*********4005"
    indented = msg.to_json(indent=2)
    assert indented.startswith('{\n  "message": "transfer",\n  "fields": {\n    "header": {')
    assert json.loads(indented) == plain
    assert "급여" in msg.to_json()  # not escaped


# ------------------------------------------------------------------ encode


def test_encode_forms(firmbanking, transfer):
    msg = firmbanking.decode(transfer)
    fields = msg.to_dict()
    assert firmbanking.encode(msg) == transfer
    assert firmbanking.encode(fields, message="transfer") == transfer
    assert firmbanking.encode({"message": "transfer", "fields": fields}) == transfer
    assert firmbanking.encode({"message": "transfer", "fields": fields, "offset": 0}) == transfer
    assert firmbanking.encode({"message": "transfer", "fields": msg}) == transfer
    assert firmbanking.encode(msg, frame=True) == b"0300" + transfer


def test_encode_with_one_message_needs_no_name():
    schema = fep.Schema.parse(PING)
    assert schema.encode({"seq": 42}) == b"PING000042"
    assert schema.encode({"seq": 42}, message="ping") == b"PING000042"
    # Absent fields get their constant.
    assert schema.decode(b"PING000042").to_dict() == {"kind": "PING", "seq": 42}


@pytest.mark.parametrize(
    ("field", "value", "wire"),
    [
        ("money", Decimal("1.5"), b"000000150"),
        ("money", Decimal("1.50"), b"000000150"),
        ("money", Decimal("1E+2"), b"000010000"),
        ("money", 7, b"000000700"),
        ("money", "12.34", b"000001234"),
        ("int", -5, b"-00005"),
        ("int", "12", b"+00012"),
        ("big", 2**64, b"18446744073709551616"),
        ("date", "2024-02-29", b"20240229"),
        ("date", datetime.date(2024, 2, 29), b"20240229"),
        ("hhmm", "09:30", b"0930"),
        ("hhmm", datetime.time(9, 30), b"0930"),
        ("stamp", "2024-03-15T09:30:15", b"20240315093015"),
        ("stamp", datetime.datetime(2024, 3, 15, 9, 30, 15), b"20240315093015"),
        ("raw", b"\x01\x02", b"\x01\x02"),
        ("raw", bytearray(b"\x01\x02"), b"\x01\x02"),
        ("raw", memoryview(b"\x01\x02"), b"\x01\x02"),
        ("raw", "0a0b", b"\x0a\x0b"),
        ("tags", ("a", "b", "c"), b"a  b  c  "),
    ],
)
def test_encode_accepts(kinds, field, value, wire):
    telegram = kinds.encode({field: value, "count": 0}, message="all")
    info = {f.name: f for f in kinds.messages[0].fields if f.depth == 0}[field]
    assert telegram[info.offset : info.offset + len(wire)] == wire


def test_encode_accepts_any_mapping(kinds):
    class Fields(Mapping):
        def __init__(self, d):
            self.d = d

        def __getitem__(self, k):
            return self.d[k]

        def __iter__(self):
            return iter(self.d)

        def __len__(self):
            return len(self.d)

    assert kinds.encode(Fields(KINDS_VALUES), message="all") == kinds.encode(KINDS_VALUES, message="all")


# ------------------------------------------------------------------ streams


def test_iter_decode_sources(firmbanking, transfer_framed, tmp_path):
    history = (LAYOUTS / "firmbanking" / "balance-history.bin").read_bytes()
    data = transfer_framed + history + transfer_framed
    path = tmp_path / "capture.bin"
    path.write_bytes(data)
    want = [("transfer", 0), ("balance_history", len(transfer_framed)), ("transfer", len(transfer_framed) + len(history))]
    with open(path, "rb") as f:
        sources = {
            "str path": str(path),
            "Path": Path(path),
            "file": f,
            "BytesIO": io.BytesIO(data),
            "bytes": data,
            "bytearray": bytearray(data),
            "memoryview": memoryview(data),
        }
        for name, source in sources.items():
            got = [(m.name, m.offset) for m in firmbanking.iter_decode(source)]
            assert got == want, name


def test_iter_decode_reads_a_large_capture_in_chunks(firmbanking, transfer_framed):
    # 20,000 telegrams, read from a file object 64 KiB at a time.
    n = 20_000
    reads = []

    class Counting(io.BytesIO):
        def read(self, size=-1):
            reads.append(size)
            return super().read(size)

    count = sum(1 for _ in firmbanking.iter_decode(Counting(transfer_framed * n)))
    assert count == n
    assert max(reads) <= 64 * 1024
    assert len(reads) > 50


def test_iter_decode_keep_going(firmbanking, transfer_framed):
    bad = bytearray(transfer_framed)
    bad[4 + 133] = ord("O")
    data = transfer_framed + bytes(bad) + transfer_framed
    items = list(firmbanking.iter_decode(data, keep_going=True))
    assert [type(i).__name__ for i in items] == ["Message", "DecodeError", "Message"]
    # The field's offset in its telegram, and the frame's in the stream.
    assert (items[1].offset, items[1].frame_offset) == (129, 304)
    assert items[1].path == "amount"
    assert items[2].offset == 608
    with pytest.raises(fep.DecodeError) as e:
        list(firmbanking.iter_decode(data))
    assert (e.value.offset, e.value.frame_offset) == (129, 304)


def test_iterator_protocol(firmbanking, transfer_framed):
    it = firmbanking.iter_decode(transfer_framed)
    assert isinstance(it, fep.MessageIterator)
    assert iter(it) is it
    assert next(it).name == "transfer"
    with pytest.raises(StopIteration):
        next(it)


# ------------------------------------------------------------------ explain and key


def test_explain(firmbanking, transfer):
    # The core's explain table, the one `fep explain` prints.
    text = firmbanking.explain(transfer)
    lines = text.splitlines()
    assert lines[0] == "transfer (300 bytes)"
    assert lines[1] == ""
    assert lines[2].split() == ["offset", "length", "path", "description", "hex", "text", "value"]
    row = {line.split()[2]: line for line in lines[3:] if line.split()[0].isdigit()}
    assert row["amount"].split()[:4] == ["129", "13", "amount", "출금금액"]
    assert row["amount"].split()[-2:] == ["0000000010000", "10000"]
    assert row["password"].split() == ["115", "8", "password", "통장비밀번호", "(secret)", '"****"']
    assert row["debit_acct"].split()[4:] == ["(mask)", '"*********4005"']
    assert "4321" not in text and "1002003004005" not in text
    # Hangul is two cells wide: the hex column starts in the same cell on every row.
    assert row["holder_name"].index("C8 AB") + len("입금계좌예금주명") == lines[2].index("hex")
    assert firmbanking.explain(transfer.hex()) == text


def test_explain_a_bad_telegram(firmbanking, transfer):
    bad = bytearray(transfer)
    bad[133] = ord("O")
    text = firmbanking.explain(bytes(bad))
    lines = text.splitlines()
    i = lines.index(
        'error: transfer.amount (bytes 129..142): expected digits, found "0000O00010000" (byte 4 of the field, \'O\')'
    )
    assert lines[i - 3].split()[:4] == ["129", "13", "amount", "출금금액"]
    assert lines[i - 3].endswith("0000O00010000")
    assert lines[i - 2] == '  >> amount: expected digits, found "0000O00010000" (byte 4 of the field, \'O\')'
    assert lines[i + 2] == "not decoded: bytes 142..300 (158 bytes)"
    # The bytes not decoded are dumped with mask and secret fields starred.
    assert lines[i + 5].split() == ["158", "38"] + ["**"] * 15 + ["8***************"]
    assert lines[-1] == "  (** marks bytes of mask and secret fields)"
    assert firmbanking.explain(b"0000").splitlines() == [
        "no message matches (4 bytes)",
        "",
        "error: (bytes 0..4): no message matches: header.msg_code = (telegram too short), "
        "header.task_code = (telegram too short)",
        "",
        "not decoded: bytes 0..4 (4 bytes)",
        "offset  hex          text",
        "     0  30 30 30 30  0000",
    ]


def test_explain_as_a_named_message(firmbanking, transfer):
    assert firmbanking.explain(transfer, message="transfer") == firmbanking.explain(transfer)


def test_key(firmbanking, transfer):
    assert firmbanking.key(transfer) == "20240315|004|TESTCO0001|000123"
    assert firmbanking.key(transfer.hex()) == "20240315|004|TESTCO0001|000123"
    card = fep.Schema.load(LAYOUTS / "card-utf8.layout")
    msg = next(card.iter_decode(LAYOUTS / "card-utf8" / "approval-request.bin"))
    assert card.key(card.encode(msg)) == f"{msg['terminal_id']}|{msg['trace_no']:06d}"


def test_positional_data_and_keyword_options(firmbanking, transfer):
    with pytest.raises(TypeError):
        firmbanking.decode(transfer, "transfer")
    with pytest.raises(TypeError):
        firmbanking.decode(data=transfer)
    with pytest.raises(TypeError):
        firmbanking.encode({}, "transfer")
    with pytest.raises(TypeError):
        firmbanking.iter_decode(transfer, True)


NOTES = """
encoding utf-8
message note 613 {
  when kind = "N"
  kind  X(1)
  day   9(8) date
  note  X(600)
  nest {
    a  X(4)
  }
}
"""


def test_text_of_every_width_and_length_comes_back_exact():
    schema = fep.Schema.parse(NOTES)
    for text in [
        "",
        "plain ascii",
        "café crème",  # Latin-1 only
        "서울특별시 중구 세종대로 110",
        "가" * 128,  # the longest by code points
        "가" * 129,  # longer: through UTF-8
        "한글과 emoji 🙂 and 𝄞",  # beyond the Basic Multilingual Plane
        "\u00ff\u0100\uffff",
    ]:
        raw = text.encode("utf-8")
        telegram = b"N20240229" + raw + b" " * (600 - len(raw)) + b"ab  "
        d = schema.decode(telegram).to_dict()
        assert d == {
            "kind": "N",
            "day": datetime.date(2024, 2, 29),
            "note": text,
            "nest": {"a": "ab"},
        }
        assert list(d) == ["kind", "day", "note", "nest"]
        assert list(d["nest"]) == ["a"]
        assert type(d["note"]) is str
        # Each dict is new: changing one leaves the next one alone.
        d["note"] = None
        d["nest"]["a"] = None
        assert schema.decode(telegram).to_dict()["nest"] == {"a": "ab"}


def test_dict_keys_are_each_schemas_own_names():
    # Schemas of one shape under other names, each freed before the next is made, so
    # that the memory of one's field names may be given to the next one's: every dict has
    # the names of the schema that decoded it.
    import gc

    for i in range(200):
        schema = fep.Schema.parse(f"message m 4 {{\n  a{i} X(2)\n  b{i} 9(2)\n}}\n")
        assert schema.decode(b"AB12").to_dict() == {f"a{i}": "AB", f"b{i}": 12}
        del schema
        gc.collect()


@pytest.mark.parametrize("width", [100, 16 * 1024 - 10, 16 * 1024 + 10, 40_000])
def test_decode_short_and_long_telegrams_alike(width):
    """A telegram of up to 16 KiB decodes with the GIL held, a longer one with it released:
    the same values and the same errors either way."""
    schema = fep.Schema.parse(
        f'encoding ascii\nmessage long {{\n  kind X(4) = "LONG"\n  seq 9(6)\n  body X({width})\n}}\n'
    )
    body = (b"ABCDEFGHIJ" * (width // 10 + 1))[:width]
    telegram = b"LONG000042" + body
    m = schema.decode(telegram)
    assert (m["seq"], m["body"]) == (42, body.decode())
    assert schema.decode(telegram, message="long").to_dict() == m.to_dict()
    with pytest.raises(fep.DecodeError) as e:
        schema.decode(b"LONG00004X" + body)
    assert (e.value.path, e.value.offset, e.value.message_name) == ("seq", 4, "long")


def test_flat_values_keep_every_kind_of_value():
    """A learnt message's second decode keeps the flat decode's values: negative and
    36-digit decimals, blanks, bytes, Korean text of both kinds come back as the first
    decode (the general way) gave them."""
    schema = fep.Schema.parse(
        "encoding euc-kr\nmessage m {\n"
        "  big   S9(30)V9(4) sign leading\n  small S9(5)V9(2) sign overpunch\n"
        "  neg   S9(9) sign trailing\n  blank 9(4)\n  raw   B(2)\n"
        "  name  X(10)\n  wide  G(6)\n  stamp 9(14) datetime\n}\n"
    )
    telegram = (
        b"-" + b"9" * 34 + b"123456}" + b"000000042-" + b"    " + b"\x00\xff"
        + "홍길동 1".encode("euc-kr").ljust(10) + "가나다".encode("euc-kr")
        + b"20240315093015"
    )
    first = schema.decode(telegram)
    second = schema.decode(telegram)
    assert (first._flat, second._flat) == (False, True)
    assert repr(second.to_dict()) == repr(first.to_dict())
    assert second["small"] == Decimal("-12345.60") and second["neg"] == -42
    assert second["blank"] is None and second["raw"] == b"\x00\xff"
    assert (second["name"], second["wide"]) == ("홍길동 1", "가나다")
    assert second["big"] == Decimal("-" + "9" * 30 + ".9999")
    assert second == first
