"""fep.Correlator: responses matched to their requests by key, each request's token (any
Python object) given back once: matched, expired, cancelled, drained, or with the exception
of a refused insert."""

import datetime
import gc
import queue
import threading
import weakref

import pytest

import fep
from conftest import LAYOUTS

KEY = "20240315|004|TESTCO0001|000123"


@pytest.fixture(scope="module")
def request_():
    """The transfer request without its 4-byte length prefix."""
    return (LAYOUTS / "firmbanking" / "transfer-request.bin").read_bytes()[4:]


@pytest.fixture(scope="module")
def response():
    """The transfer response without its 4-byte length prefix."""
    return (LAYOUTS / "firmbanking" / "transfer-response.bin").read_bytes()[4:]


def numbered(telegram, n):
    """The telegram with its telegram number (header.seq_no, bytes 32..38) set to n."""
    return telegram[:32] + b"%06d" % n + telegram[38:]


class Token:
    """A token that can be watched with a weak reference."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"Token({self.name!r})"


def test_a_response_gives_back_its_requests_token(firmbanking, request_, response):
    c = fep.Correlator(firmbanking)
    token = Token("trace-1")
    assert c.insert(request_, token) == KEY
    assert len(c) == 1
    m = c.complete(response)
    assert m.token is token
    assert m.request_message == "transfer"
    assert m.response_message == "transfer"
    assert m.key == KEY
    assert isinstance(m.elapsed, float)
    assert 0.0 <= m.elapsed < 5.0
    assert len(c) == 0
    assert repr(m) == (
        "Matched(token=Token('trace-1'), request_message='transfer', "
        f"response_message='transfer', key='{KEY}', elapsed={m.elapsed!r})"
    )


def test_defaults_and_arguments(firmbanking, request_):
    c = fep.Correlator(firmbanking)
    assert c.capacity == 100_000
    assert c.timeout == 30.0
    assert repr(c) == "<fep.Correlator 0 pending, capacity 100000, timeout 30s>"
    c = fep.Correlator(firmbanking, capacity=5, timeout=datetime.timedelta(milliseconds=1500))
    assert c.timeout == 1.5
    assert fep.Correlator(firmbanking, 5, 2).timeout == 2.0
    with pytest.raises(ValueError, match="timeout: expected seconds, 0 or more, found -1"):
        fep.Correlator(firmbanking, timeout=-1.0)
    with pytest.raises(TypeError, match="timeout: expected seconds"):
        c.insert(request_, None, timeout="soon")
    assert len(c) == 0


def test_hex_and_bytearray_telegrams(firmbanking, request_, response):
    c = fep.Correlator(firmbanking)
    c.insert(request_.hex(), "a")
    assert c.key(bytearray(response)) == KEY
    assert c.complete(memoryview(response)).token == "a"


def test_a_duplicate_key_gives_the_token_back(firmbanking, request_):
    c = fep.Correlator(firmbanking)
    first, second = Token("first"), Token("second")
    c.insert(request_, first)
    with pytest.raises(fep.DuplicateKeyError) as info:
        c.insert(request_, second)
    e = info.value
    assert isinstance(e, fep.CorrelationError)
    assert isinstance(e, fep.FepError)
    assert isinstance(e, ValueError)
    assert e.token is second
    assert e.key == KEY
    assert e.nearest is None
    assert str(e) == f"transfer: a request with the key {KEY} is already pending"
    assert e.message_name == "transfer"
    # The pending one stays.
    assert len(c) == 1
    assert c.cancel(request_) is first


def test_a_full_correlator_gives_the_token_back(firmbanking, request_):
    c = fep.Correlator(firmbanking, capacity=2)
    c.insert(numbered(request_, 1), 1)
    c.insert(numbered(request_, 2), 2)
    token = Token("third")
    with pytest.raises(fep.CorrelatorFullError) as info:
        c.insert(numbered(request_, 3), token)
    e = info.value
    assert isinstance(e, fep.CorrelationError)
    assert e.token is token
    assert e.capacity == 2
    assert e.key == "20240315|004|TESTCO0001|000003"
    assert "the correlator is full (2 pending requests)" in str(e)
    assert len(c) == 2


def test_a_request_without_a_key_gives_the_token_back(firmbanking, request_):
    c = fep.Correlator(firmbanking)
    token = Token("short")
    with pytest.raises(fep.DecodeError) as info:
        c.insert(request_[:20], token)
    assert info.value.token is token
    assert not isinstance(info.value, fep.CorrelationError)
    assert len(c) == 0


def test_a_response_answers_only_the_requests_its_layout_names(firmbanking, request_, response):
    # firmbanking's messages each answer their own kind: a balance inquiry pending under
    # the transfer's key is not answered by the transfer response.
    assert firmbanking.message("transfer").answers == ["transfer"]
    inquiry = request_[:24] + b"3000200" + request_[31:200]
    c = fep.Correlator(firmbanking)
    c.insert(inquiry, "inquiry")
    with pytest.raises(fep.UnmatchedError) as info:
        c.complete(response)
    assert info.value.nearest == (
        f'request "balance_inquiry" {KEY} has the same key, but "transfer" answers "transfer"'
    )
    assert len(c) == 1, "the inquiry stays pending"
    [cancelled] = c.drain()
    assert cancelled.token == "inquiry"
    c.insert(request_, "transfer")
    assert c.complete(response).token == "transfer"


def test_an_unmatched_response_names_the_nearest_request(firmbanking, request_, response):
    c = fep.Correlator(firmbanking)
    # The request went out a day earlier (header.send_date, bytes 38..46).
    earlier = request_[:38] + b"20240314" + request_[46:]
    c.insert(earlier, "earlier")
    with pytest.raises(fep.UnmatchedError) as info:
        c.complete(response)
    e = info.value
    assert isinstance(e, fep.CorrelationError)
    assert e.key == KEY
    assert e.token is None
    assert "header.send_date: 20240314, the response has 20240315" in e.nearest
    assert str(e) == f"transfer: no pending request has the key {KEY}; the nearest: {e.nearest}"
    assert e.message_name == "transfer"
    assert len(c) == 1, "the pending request stays"
    [u] = c.unmatched()
    assert (u.message, u.key, u.nearest) == ("transfer", KEY, e.nearest)
    assert u.age >= 0.0
    # Nothing pending shares a key part: no nearest.
    c.drain()
    with pytest.raises(fep.UnmatchedError) as info:
        c.complete(response)
    assert info.value.nearest is None
    assert len(c.unmatched()) == 2


def test_expire_gives_back_what_is_overdue(firmbanking, request_):
    c = fep.Correlator(firmbanking, timeout=60.0)
    a, b = Token("now"), Token("later")
    c.insert(numbered(request_, 1), a, timeout=0.0)
    c.insert(numbered(request_, 2), b)
    assert c.next_deadline() == 0.0
    [e] = c.expire()
    assert e.token is a
    assert e.request_message == "transfer"
    assert e.key == "20240315|004|TESTCO0001|000001"
    assert e.elapsed >= 0.0
    assert c.expire() == []
    assert len(c) == 1
    assert 0.0 < c.next_deadline() <= 60.0
    [d] = c.drain()
    assert d.token is b
    assert c.next_deadline() is None
    assert len(c) == 0 and c.drain() == []


def test_cancel(firmbanking, request_):
    c = fep.Correlator(firmbanking)
    c.insert(numbered(request_, 4), "four")
    assert c.cancel(numbered(request_, 5)) is None
    assert c.cancel(numbered(request_, 4)) == "four"
    assert c.cancel(numbered(request_, 4)) is None
    assert len(c) == 0


def test_key(firmbanking, request_, response):
    c = fep.Correlator(firmbanking)
    assert c.key(request_) == c.key(response) == firmbanking.key(request_) == KEY
    with pytest.raises(fep.DecodeError):
        c.key(b"short")


def test_tokens_are_released_once_they_leave(firmbanking, request_, response):
    c = fep.Correlator(firmbanking)
    matched, drained, refused = Token("matched"), Token("drained"), Token("refused")
    refs = [weakref.ref(t) for t in (matched, drained, refused)]
    c.insert(request_, matched)
    c.insert(numbered(request_, 9), drained)
    try:
        c.insert(request_, refused)
    except fep.DuplicateKeyError:
        pass
    del matched, drained, refused
    gc.collect()
    assert refs[2]() is None, "a refused token is the caller's, not kept"
    assert refs[0]() is not None and refs[1]() is not None, "pending tokens are kept"
    m = c.complete(response)
    del m
    gc.collect()
    assert refs[0]() is None
    out = c.drain()
    assert out[0].token is refs[1]()
    del out
    gc.collect()
    assert refs[1]() is None


def test_dropping_the_correlator_releases_its_tokens(firmbanking, request_):
    c = fep.Correlator(firmbanking)
    token = Token("pending")
    ref = weakref.ref(token)
    c.insert(request_, token)
    del token
    gc.collect()
    assert ref() is not None
    del c
    gc.collect()
    assert ref() is None


def test_threads_insert_and_complete_concurrently(firmbanking, request_, response):
    c = fep.Correlator(firmbanking, capacity=10_000)
    threads, per_thread = 4, 500
    total = threads * per_thread
    sent = queue.Queue()
    tokens = [object() for _ in range(total)]
    results = [[] for _ in range(threads)]
    errors = []
    start = threading.Barrier(threads * 2)

    def send(t):
        start.wait()
        for n in range(t, total, threads):
            c.insert(numbered(request_, n), tokens[n])
            sent.put(n)

    def receive(t):
        start.wait()
        while True:
            n = sent.get()
            if n is None:
                return
            try:
                m = c.complete(numbered(response, n))
                results[t].append((n, m.token))
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)

    senders = [threading.Thread(target=send, args=(t,)) for t in range(threads)]
    receivers = [threading.Thread(target=receive, args=(t,)) for t in range(threads)]
    for w in senders + receivers:
        w.start()
    for w in senders:
        w.join()
    for _ in receivers:
        sent.put(None)
    for w in receivers:
        w.join()
    assert errors == []
    got = sorted((n, id(tok)) for r in results for n, tok in r)
    assert got == [(n, id(tokens[n])) for n in range(total)]
    assert len(c) == 0
    assert c.unmatched() == []


def test_the_classes():
    for cls in (fep.DuplicateKeyError, fep.CorrelatorFullError, fep.UnmatchedError):
        assert issubclass(cls, fep.CorrelationError)
        assert cls.__module__ == "fep"
        assert cls.__doc__
    assert issubclass(fep.CorrelationError, fep.FepError)
    # Made by hand, an error still has every attribute.
    e = fep.UnmatchedError("x")
    assert (e.key, e.nearest, e.capacity, e.token, e.path) == (None,) * 5
    for cls in (fep.Correlator, fep.Matched, fep.Expired, fep.Unmatched):
        assert cls.__module__ == "fep"
