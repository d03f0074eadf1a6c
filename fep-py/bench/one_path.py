"""One path of shapes.py over one bench message, N times: for counting its instructions
under callgrind, where a run with N telegrams less a run with fewer, over the difference,
is the count per telegram (the start of Python and the setup cancel out).

    for n in 1000 3000; do
        valgrind --tool=callgrind --callgrind-out-file=cg.$n \\
            target/python-venv/bin/python fep-py/bench/one_path.py customer decode_dict $n
    done
    callgrind_annotate cg.1000 | grep TOTALS; callgrind_annotate cg.3000 | grep TOTALS

The message: order, customer, settlement or history; the path: slicing, decode, to_dict
(``decode().to_dict()``) or decode_dict. One telegram is decoded by each path first, so
that what is made once (templates, cached objects) is not counted; the results are kept
in a list, as shapes.py keeps them.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fep  # noqa: E402
import shapes  # noqa: E402


def main() -> int:
    message, path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    schema = fep.Schema.load(shapes.LAYOUTS / "securities.layout")
    t = (shapes.LAYOUTS / "securities" / shapes.SAMPLES[message]).read_bytes()[4:]
    run = {
        "slicing": shapes.BY_HAND[message],
        "decode": schema.decode,
        "to_dict": lambda x: schema.decode(x).to_dict(),
        "decode_dict": schema.decode_dict,
    }[path]
    run(t)
    kept = [run(t) for _ in range(n)]
    return 0 if len(kept) == n else 1


if __name__ == "__main__":
    sys.exit(main())
