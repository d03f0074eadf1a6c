"""Threads: one Schema shared by many threads decodes the same as one thread, and the GIL is
released while the core works, so other Python threads run meanwhile."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pyarrow as pa

import fep
from conftest import LAYOUTS


def test_threads_decode_in_parallel_and_agree(firmbanking, transfer_framed):
    history = (LAYOUTS / "firmbanking" / "balance-history.bin").read_bytes()
    data = (transfer_framed + history) * 500
    want_rows = pa.table(firmbanking.decode_arrow(data, message="transfer")).to_pylist()
    want_messages = [m.to_dict() for m in firmbanking.iter_decode(data)]
    telegram = transfer_framed[4:]
    want_one = firmbanking.decode(telegram)

    def work(i):
        if i % 3 == 0:
            return pa.table(firmbanking.decode_arrow(data, message="transfer")).to_pylist() == want_rows
        if i % 3 == 1:
            return [m.to_dict() for m in firmbanking.iter_decode(data)] == want_messages
        return all(
            firmbanking.encode(firmbanking.decode(telegram)) == telegram
            and firmbanking.decode(telegram) == want_one
            and firmbanking.decode_dict(telegram) == want_one.to_dict()
            for _ in range(200)
        )

    with ThreadPoolExecutor(max_workers=6) as pool:
        assert all(pool.map(work, range(24)))


def test_threads_learn_a_message_for_decode_dict_together():
    """The first decode_dict of a message learns its shape; threads that start together on
    a fresh schema all give the same dicts."""
    schema = fep.Schema.load(LAYOUTS / "securities.layout")
    telegram = (LAYOUTS / "securities" / "customer-register.bin").read_bytes()[4:]
    want = repr(schema.decode(telegram).to_dict())
    start = threading.Barrier(6)

    def work(_):
        start.wait()
        return all(repr(schema.decode_dict(telegram)) == want for _ in range(300))

    with ThreadPoolExecutor(max_workers=6) as pool:
        assert all(pool.map(work, range(6)))


def test_one_iterator_shared_by_threads_yields_each_message_once(firmbanking, transfer_framed):
    n = 3000
    it = firmbanking.iter_decode(transfer_framed * n)
    seen = []
    lock = threading.Lock()

    def drain():
        for m in it:
            with lock:
                seen.append(m.offset)

    threads = [threading.Thread(target=drain) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seen) == [i * len(transfer_framed) for i in range(n)]


def test_the_gil_is_released_while_decoding(firmbanking, transfer_framed):
    data = transfer_framed * 200_000
    done = threading.Event()
    result = {}

    def decode():
        start = time.perf_counter()
        result["rows"] = firmbanking.decode_arrow(data, message="transfer").num_rows
        result["seconds"] = time.perf_counter() - start
        done.set()

    worker = threading.Thread(target=decode)
    ticks = []
    worker.start()
    while not done.is_set():
        ticks.append(time.perf_counter())
        time.sleep(0.001)
    worker.join()
    assert result["rows"] == 200_000
    # Had the call held the GIL, this thread could not have run during it: one long gap.
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    assert len(ticks) > 5
    assert max(gaps) < max(0.05, result["seconds"] / 2), (max(gaps), result["seconds"])
