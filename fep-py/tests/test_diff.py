"""Schema.diff: two messages compared field by field, as `fep diff` compares them."""

import pytest

import fep
from conftest import LAYOUTS


def edited(telegram, at, new):
    t = bytearray(telegram)
    t[at : at + len(new)] = new
    return bytes(t)


def test_equal_messages_give_an_empty_list(firmbanking, transfer):
    a = firmbanking.decode(transfer)
    assert firmbanking.diff(a, a) == []
    # A telegram is decoded first; a dict is read as encode reads it.
    assert firmbanking.diff(transfer, a) == []
    assert firmbanking.diff({"message": "transfer", "fields": a.to_dict()}, transfer) == []


def test_changed_fields_with_paths_offsets_and_values(firmbanking, transfer):
    # amount at 129 (13 digits), holder_name at 226 (Korean text), balance signed at 142.
    b = edited(transfer, 129, b"0000000020000")
    b = edited(b, 226, "김철수".encode("euc-kr"))
    b = edited(b, 142, b"-0000000002500")
    rows = firmbanking.diff(transfer, b)
    by_path = {r["path"]: r for r in rows}
    assert list(by_path) == ["amount", "balance", "holder_name"]
    amount = by_path["amount"]
    assert set(amount) == set(fep.Difference.__annotations__)
    assert amount == {
        "path": "amount",
        "change": "changed",
        "offset_a": 129,
        "offset_b": 129,
        "length": 13,
        "a": 10000,
        "b": 20000,
        "description": "출금금액",
        "hidden": False,
    }
    assert by_path["balance"]["a"] is None
    assert by_path["balance"]["b"] == -2500
    assert by_path["holder_name"]["b"] == "김철수"


def test_sensitive_fields_are_hidden_unless_revealed(firmbanking, transfer):
    b = edited(transfer, 100, b"9")  # debit_acct, mask: differs before its last 4
    b = edited(b, 115, b"9999")  # password, secret
    rows = firmbanking.diff(transfer, b)
    assert [r["path"] for r in rows] == ["debit_acct", "password"]
    acct, pin = rows
    assert acct["a"] == "*********4005" and acct["b"] == "*********4005"
    assert acct["hidden"] is True
    assert pin["a"] == "****" and pin["b"] == "****"
    assert "1002003004005" not in repr(rows) and "4321" not in repr(rows)
    shown = firmbanking.diff(transfer, b, reveal=True)
    assert shown[0]["a"] == "1002003004005"
    assert shown[0]["b"] == "9002003004005"
    assert shown[0]["hidden"] is False


def test_repeats_of_different_counts(firmbanking):
    framed = (LAYOUTS / "firmbanking" / "balance-history.bin").read_bytes()
    b = firmbanking.decode(framed[4:])
    fields = b.to_dict()
    fields["count"] = 1
    fields["items"] = fields["items"][:1]
    fields["items"][0]["amount"] = -150000
    a = firmbanking.encode({"message": "balance_history", "fields": fields})
    rows = firmbanking.diff(a, b)
    assert [(r["path"], r["change"], r["offset_a"], r["offset_b"]) for r in rows] == [
        ("count", "changed", 115, 115),
        ("items[0].amount", "changed", 134, 134),
        ("items[1]", "only_b", None, 168),
    ]
    assert rows[2]["a"] is None
    assert rows[2]["b"]["memo"] == "관리비"
    assert rows[2]["length"] == 50


def test_different_messages_say_so_first(firmbanking, transfer):
    framed = (LAYOUTS / "firmbanking" / "balance-history.bin").read_bytes()
    rows = firmbanking.diff(transfer, framed[4:])
    assert rows[0]["change"] == "message"
    assert (rows[0]["a"], rows[0]["b"]) == ("transfer", "balance_history")
    assert rows[0]["path"] is None
    # Then the header fields they share that differ.
    assert [r["path"] for r in rows[1:]] == [
        "header.msg_code",
        "header.task_code",
        "header.seq_no",
        "header.resp_code",
    ]


def test_bad_arguments_raise(firmbanking, transfer):
    with pytest.raises(fep.DecodeError):
        firmbanking.diff(transfer, b"garbage")
    with pytest.raises(fep.EncodeError):
        firmbanking.diff(transfer, 42)
