"""Every exception, its whole message and its attributes."""

import datetime
import io
from decimal import Decimal

import pytest

import fep
from conftest import LAYOUTS

ATTRS = ("path", "offset", "line", "column", "message_name", "frame_offset", "fault")


def attrs(e):
    return {a: getattr(e, a) for a in ATTRS}


def none_but(**kw):
    d = dict.fromkeys(ATTRS)
    d.update(kw)
    return d


def test_the_classes():
    for cls in (fep.LayoutError, fep.DecodeError, fep.FramingError, fep.EncodeError):
        assert issubclass(cls, fep.FepError)
        assert issubclass(cls, ValueError)
        assert cls.__module__ == "fep"
        assert cls.__doc__
    assert issubclass(fep.FramingError, fep.DecodeError)
    # Made by hand, an error still has every attribute.
    assert attrs(fep.DecodeError("x")) == none_but()


@pytest.mark.parametrize(
    ("text", "name", "message", "line", "column"),
    [
        (
            "message m {\n  f Q(3)\n}\n",
            None,
            "<layout>:2:5: unknown type; expected X(n), AN(n), G(n), 9(n), N(n), S9(n) or B(n)",
            2,
            5,
        ),
        (
            "message m {\n  f Q(3)\n}\n",
            "bank.layout",
            "bank.layout:2:5: unknown type; expected X(n), AN(n), G(n), 9(n), N(n), S9(n) or B(n)",
            2,
            5,
        ),
        (
            "record h 10 {\n  a X(5)\n}\nmessage m 10 {\n  h h\n}\n",
            None,
            # The message's own length is checked too: both mistakes in one run.
            "<layout>:1:10: declared length 10 but the fields add up to 5 (and 1 more error)",
            1,
            10,
        ),
        (
            "message m 3 {\n  h hedaer\n}\n",
            None,
            '<layout>:2:5: unknown record "hedaer"',
            2,
            5,
        ),
    ],
)
def test_layout_errors(text, name, message, line, column):
    with pytest.raises(fep.LayoutError) as e:
        fep.Schema.parse(text, name=name)
    assert str(e.value) == message
    assert attrs(e.value) == none_but(line=line, column=column)


def test_a_missing_layout_file_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError) as e:
        fep.Schema.load(tmp_path / "nope.layout")
    assert str(e.value) == f"{tmp_path / 'nope.layout'}: No such file or directory (os error 2)"


def bad_amount(transfer):
    bad = bytearray(transfer)
    bad[133] = ord("O")
    return bytes(bad)


def test_decode_errors(firmbanking, transfer):
    cases = [
        (
            bad_amount(transfer),
            'transfer.amount (bytes 129..142): expected digits, found "0000O00010000" (byte 4 of the field, \'O\')',
            none_but(path="amount", offset=129, message_name="transfer"),
        ),
        (
            transfer[:200],
            "transfer (at byte 200): telegram too short: the message needs 300 bytes, found 200",
            none_but(offset=200, message_name="transfer"),
        ),
        (
            transfer + b"x",
            "transfer (bytes 300..301): telegram too long: the message is 300 bytes, found 301",
            none_but(offset=300, message_name="transfer"),
        ),
        (
            b"0000",
            "(bytes 0..4): no message matches: header.msg_code = (telegram too short), "
            "header.task_code = (telegram too short)",
            none_but(offset=0),
        ),
        (
            "30 3g",
            'not a hex string: "3g" is not hex (a dump may have an offset column and an ASCII '
            "column, but this line has neither) (line 1, column 5)",
            none_but(line=1, column=5),
        ),
        (
            "30\n313",
            "not a hex string: an odd number of hex digits: the last byte is cut in half "
            "(line 2, column 3)",
            none_but(line=2, column=3),
        ),
    ]
    # decode_dict learns the message from a good telegram first: the bad ones then go the
    # way straight from the bytes, with the same errors.
    firmbanking.decode_dict(transfer)
    for decode in (firmbanking.decode, firmbanking.decode_dict):
        for data, message, want in cases:
            with pytest.raises(fep.DecodeError) as e:
                decode(data)
            assert str(e.value) == message
            assert attrs(e.value) == want
            with pytest.raises(fep.DecodeError) as e:
                decode(data, message="transfer")
            if want.get("message_name"):
                assert str(e.value) == message


def test_a_sensitive_field_never_shows_in_an_error(firmbanking, transfer):
    bad = bytearray(transfer)
    bad[105] = 0xFF  # inside debit_acct, a `mask` field
    firmbanking.decode_dict(transfer)
    for decode in (firmbanking.decode, firmbanking.decode_dict):
        with pytest.raises(fep.DecodeError) as e:
            decode(bytes(bad))
        assert str(e.value) == "transfer.debit_acct (bytes 100..115): bytes invalid in euc-kr at field byte 5"
        assert "1002" not in str(e.value)


def test_decode_as_an_unknown_message(firmbanking, transfer):
    for decode in (firmbanking.decode, firmbanking.decode_dict):
        with pytest.raises(fep.DecodeError) as e:
            decode(transfer, message="nope")
        assert str(e.value) == '(at byte 0): unknown message "nope"'


def test_framed_decode_errors(firmbanking, transfer_framed):
    cases = [
        (
            transfer_framed * 2,
            "more than one frame: the first ends at byte 304, 304 bytes follow (use iter_decode for a stream)",
            none_but(offset=304),
        ),
        (b"", "no telegram: the data is empty", none_but(offset=0)),
        (
            transfer_framed[:100],
            "frame at byte 0: the length prefix says 300 bytes; 96 follow",
            none_but(offset=0, frame_offset=0, fault="truncated"),
        ),
        (
            b"0200" + transfer_framed[4:204],
            'frame at byte 0: the length prefix says 200 bytes but message "transfer" is 300 bytes',
            none_but(offset=0, frame_offset=0, fault="length_mismatch"),
        ),
    ]
    firmbanking.decode_dict(transfer_framed, framed=True)  # learnt: the next go straight
    for decode in (firmbanking.decode, firmbanking.decode_dict):
        for data, message, want in cases:
            with pytest.raises(fep.DecodeError) as e:
                decode(data, framed=True)
            assert str(e.value) == message
            assert attrs(e.value) == want
    # A whole frame with a bad field: the same error either way.
    bad = transfer_framed[:4] + bad_amount(transfer_framed[4:])
    with pytest.raises(fep.DecodeError) as e:
        firmbanking.decode(bad, framed=True)
    with pytest.raises(fep.DecodeError) as again:
        firmbanking.decode_dict(bad, framed=True)
    assert str(again.value) == str(e.value) and attrs(again.value) == attrs(e.value)
    assert str(e.value).startswith("transfer.amount (bytes 129..142)")


def test_stream_errors_carry_stream_offsets(firmbanking, transfer_framed, transfer):
    data = transfer_framed + b"0300" + bad_amount(transfer)
    for run in (lambda: list(firmbanking.iter_decode(data)), lambda: firmbanking.decode_arrow(data, message="transfer")):
        with pytest.raises(fep.DecodeError) as e:
            run()
        assert str(e.value) == (
            "transfer.amount (frame at byte 304; field at bytes 129..142 of the telegram): "
            'expected digits, found "0000O00010000" (byte 4 of the field, \'O\')'
        )
        assert attrs(e.value) == none_but(path="amount", offset=129, message_name="transfer", frame_offset=304)
    with pytest.raises(fep.FramingError) as e:
        list(firmbanking.iter_decode(transfer_framed + b"00x1"))
    assert str(e.value) == 'frame at byte 304: the length prefix is not digits, found "00x1"'
    assert attrs(e.value) == none_but(offset=304, frame_offset=304, fault="bad_length_prefix")


def test_decode_arrow_of_an_unknown_message(firmbanking, transfer_framed):
    with pytest.raises(fep.DecodeError) as e:
        firmbanking.decode_arrow(transfer_framed, message="nope")
    assert str(e.value) == 'unknown message "nope"; the layout has transfer, balance_history, balance_inquiry'
    with pytest.raises(fep.DecodeError) as e:
        firmbanking.decode_arrow(transfer_framed, message="transfr")
    assert str(e.value) == (
        'unknown message "transfr"; did you mean "transfer"? The layout has transfer, balance_history, balance_inquiry'
    )


def test_a_short_frame_in_a_stream(firmbanking, transfer_framed):
    items = list(firmbanking.iter_decode(transfer_framed + transfer_framed[:203], keep_going=True))
    assert [type(i).__name__ for i in items] == ["Message", "FramingError"]
    e = items[1]
    assert str(e) == "frame at byte 304: the length prefix says 300 bytes; 199 follow"
    assert attrs(e) == none_but(offset=304, frame_offset=304, fault="truncated")


@pytest.mark.parametrize(
    ("change", "message", "path"),
    [
        ({"amount": 1.5}, 'transfer.amount: wrong type: a float is not exact; give a decimal.Decimal, an int or a str such as "123.45"', "amount"),
        ({"amount": True}, "transfer.amount: wrong type: a bool has no telegram form; give an int or a str", "amount"),
        ({"amount": Decimal("NaN")}, "transfer.amount: wrong type: NaN and infinity have no telegram form", "amount"),
        ({"amount": Decimal("10.5")}, "transfer.amount: too many decimals: the field has 0, the value has 1", "amount"),
        ({"amount": 10**14}, "transfer.amount: number out of range: the value needs 15 digits, the field has 13", "amount"),
        ({"amount": 10**40}, "transfer.amount: number out of range: more than 38 digits", "amount"),
        ({"amount": object()}, "transfer.amount: wrong type: object has no telegram form; give None, an int, a decimal.Decimal, a str, bytes, a date, a time, a list or a dict", "amount"),
        ({"memo": "가" * 8}, "transfer.memo: value is 16 bytes in euc-kr, the field holds 14", "memo"),
        ({"memo": 5}, "transfer.memo: wrong type: expected a string, found an integer", "memo"),
        ({"nope": 1}, 'transfer.nope: unknown field "nope"', "nope"),
        ({"header": {"send_time": datetime.time(9, 30, 15, 5)}}, "transfer.header.send_time: the time has microseconds; a telegram holds whole seconds", "header.send_time"),
        ({"header": {"send_time": datetime.time(9, 30, tzinfo=datetime.timezone.utc)}}, "transfer.header.send_time: the time has a time zone; a telegram holds local time: convert it and drop tzinfo", "header.send_time"),
        ({"header": {"send_date": "2024-02-30"}}, "transfer.header.send_date: impossible date: day 30 of 2024-02", "header.send_date"),
        ({"header": {"msg_code": "9999"}}, "transfer: the telegram would match no message; check header.msg_code, header.task_code", None),
        ({"header": {1: "x"}}, "transfer.header: a field name must be a str, found int", "header"),
    ],
)
def test_encode_errors(firmbanking, transfer, change, message, path):
    fields = firmbanking.decode(transfer).to_dict()
    for k, v in change.items():
        if isinstance(v, dict) and isinstance(fields.get(k), dict):
            fields[k] = {**fields[k], **v}
        else:
            fields[k] = v
    with pytest.raises(fep.EncodeError) as e:
        firmbanking.encode(fields, message="transfer")
    assert str(e.value) == message
    assert attrs(e.value) == none_but(path=path, message_name="transfer")


def test_a_time_without_seconds_takes_no_seconds():
    schema = fep.Schema.parse('message m 4 {\n  t 9(4) time("hhmm")\n}\n')
    assert schema.encode({"t": datetime.time(9, 30)}) == b"0930"
    with pytest.raises(fep.EncodeError) as e:
        schema.encode({"t": datetime.time(9, 30, 15)})
    assert str(e.value) == "m.t: the field's time has no seconds: write hh:mm (or hh:mm:00)"
    # Zero seconds fit, as text too.
    assert schema.encode({"t": "09:30:00"}) == b"0930"


def test_encode_errors_without_a_message(firmbanking):
    cases = [
        (lambda: firmbanking.encode({"amount": 1}), 'expected {"message": NAME, "fields": {...}}, found an object with "amount"; to encode the fields alone, pass message="NAME" (the layout has transfer, balance_history, balance_inquiry)', none_but()),
        (lambda: firmbanking.encode({}, message="nope"), 'unknown message "nope"', none_but()),
        (lambda: firmbanking.encode(5), 'wrong type: expected a dict of fields or {"message": ..., "fields": {...}}, found int', none_but()),
        (lambda: firmbanking.encode({"message": 5, "fields": {}}), '"message" must be a message name, found an integer', none_but()),
        (lambda: firmbanking.encode({"fields": 5}, message="transfer"), 'transfer: expected {"message": NAME, "fields": {...}}: "fields" must be an object, found an integer', none_but(message_name="transfer")),
        # The names in the value and in message= must agree.
        (lambda: firmbanking.encode({"message": "transfer", "fields": {}}, message="balance_inquiry"), 'balance_inquiry: the value is message "transfer" but the message named with it is "balance_inquiry"', none_but(message_name="balance_inquiry")),
        # Envelope keys beside fields: a mistyped envelope, unless message= says they are fields.
        (lambda: firmbanking.encode({"message": "transfer", "amount": 1}), 'expected {"message": NAME, "fields": {...}}, found also "amount"; to encode an object with a field called "message" or "fields", pass message="NAME"', none_but()),
        (lambda: firmbanking.encode({"message": "transfer", "amount": 1}, message="transfer"), 'transfer.message: unknown field "message"', none_but(path="message", message_name="transfer")),
    ]
    for run, message, want in cases:
        with pytest.raises(fep.EncodeError) as e:
            run()
        assert str(e.value) == message
        assert attrs(e.value) == want


def test_argument_types(firmbanking):
    with pytest.raises(TypeError) as e:
        firmbanking.decode(12)
    assert str(e.value) == "expected a telegram as bytes, bytearray, memoryview or a hex str, found int"
    with pytest.raises(TypeError) as e:
        firmbanking.iter_decode(12)
    assert str(e.value) == "expected a path, a binary file object or bytes, found int"
    with pytest.raises(TypeError) as e:
        next(firmbanking.iter_decode(io.StringIO("0300")))
    assert str(e.value) == 'the file\'s read() returned str, not bytes: open it in binary mode ("rb")'
    with pytest.raises(FileNotFoundError) as e:
        firmbanking.iter_decode(LAYOUTS / "nope.bin")
    assert e.value.filename == str(LAYOUTS / "nope.bin")


def test_a_file_objects_own_error_comes_through(firmbanking):
    class Broken(io.RawIOBase):
        def read(self, size=-1):
            raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError) as e:
        list(firmbanking.iter_decode(Broken()))
    assert str(e.value) == "disk on fire"
    with pytest.raises(RuntimeError):
        firmbanking.decode_arrow(Broken())
