"""Prints telegrams per second of ``decode``, ``decode().to_dict()`` and ``decode_dict`` on
one bench message of layouts/securities.layout, the best of several batches: steadier
than the medians of shapes.py on a machine whose speed swings, for comparing two builds
of the package run in turns (each with its own ``PYTHONPATH``).

    target/python-venv/bin/python fep-py/bench/best_of.py customer [--count 10000] [--batches 7]

Each path runs over the sample telegram repeated and over ``--count`` different telegrams
of the message (as shapes.py makes them), keeping its results in a list as shapes.py
does; the garbage collector runs before each batch.
"""

import argparse
import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fep  # noqa: E402
import shapes  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("message", choices=list(shapes.SAMPLES))
    parser.add_argument("--count", type=int, default=10_000, help="telegrams per batch")
    parser.add_argument("--batches", type=int, default=7, help="batches per path")
    args = parser.parse_args()
    schema = fep.Schema.load(shapes.LAYOUTS / "securities.layout")
    sample = (shapes.LAYOUTS / "securities" / shapes.SAMPLES[args.message]).read_bytes()[4:]
    sets = (
        ("sample", [sample] * args.count),
        ("different", shapes.different_telegrams(schema, args.message, sample, args.count)),
    )
    paths = (
        ("decode", schema.decode),
        ("to_dict", lambda x: schema.decode(x).to_dict()),
        ("decode_dict", schema.decode_dict),
    )
    for name, f in paths:
        for label, telegrams in sets:
            best = float("inf")
            for _ in range(max(1, args.batches)):
                gc.collect()
                start = time.perf_counter()
                kept = [f(x) for x in telegrams]
                best = min(best, time.perf_counter() - start)
                del kept
            rate = len(telegrams) / best
            print(f"{args.message} {label:9} {name:11} {rate / 1e3:8.0f} k/s")


if __name__ == "__main__":
    main()
