"""Fixed-length Korean financial telegrams (전문) to Python values and back, exactly.

    >>> import fep
    >>> schema = fep.Schema.load("layouts/firmbanking.layout")
    >>> msg = schema.decode(telegram)             # bytes, or a hex str from a log
    >>> msg.name, msg["amount"]
    ('transfer', 10000)
    >>> schema.encode(msg) == telegram
    True
    >>> table = schema.decode_arrow("capture.bin", message="transfer")
    >>> df = polars.DataFrame(table)               # or pyarrow.table(table)
    >>> schema.to_parquet("capture.bin", "out/")   # out/message=transfer/part-00000.parquet
    >>> pending = fep.Correlator(schema)           # responses matched to requests by key
    >>> pairs = fep.pair(schema, "x.pcap")         # a packet capture's requests and answers

Spark reads captures with ``fep.spark`` (the ``fep[spark]`` extra).

See ``Schema`` for every call and ``docs/python.md`` for a walk-through.
"""

from collections.abc import Mapping as _Mapping

from fep._fep import (
    ArrowBatches,
    ArrowTable,
    CaptureGapError,
    CorrelationError,
    Correlator,
    CorrelatorFullError,
    DecodeError,
    FramingError,
    DuplicateKeyError,
    EncodeError,
    Expired,
    FepError,
    FieldInfo,
    LayoutError,
    Matched,
    Message,
    MessageInfo,
    MessageIterator,
    Schema,
    Unmatched,
    UnmatchedError,
    __version__,
    pair,
)

# A Message is a read-only mapping of its fields: isinstance(msg, Mapping) holds.
_Mapping.register(Message)

__all__ = [
    "ArrowBatches",
    "ArrowTable",
    "CaptureGapError",
    "CorrelationError",
    "Correlator",
    "CorrelatorFullError",
    "DecodeError",
    "FramingError",
    "DuplicateKeyError",
    "EncodeError",
    "Expired",
    "FepError",
    "FieldInfo",
    "LayoutError",
    "Matched",
    "Message",
    "MessageInfo",
    "MessageIterator",
    "Schema",
    "Unmatched",
    "UnmatchedError",
    "__version__",
    "pair",
]
