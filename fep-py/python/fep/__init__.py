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
from typing import Any as _Any
from typing import Literal as _Literal
from typing import Optional as _Optional
from typing import TypedDict as _TypedDict

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


class Difference(_TypedDict):
    """One difference of ``Schema.diff``: a field's ``path`` with entry indices, how it
    differs (``change``), its offset in each telegram, its ``length``, both values, its
    ``description``, and ``hidden`` when the values differ only where they are hidden."""

    path: _Optional[str]
    change: _Literal["changed", "only_a", "only_b", "message"]
    offset_a: _Optional[int]
    offset_b: _Optional[int]
    length: _Optional[int]
    a: _Any
    b: _Any
    description: _Optional[str]
    hidden: bool

__all__ = [
    "ArrowBatches",
    "ArrowTable",
    "CaptureGapError",
    "CorrelationError",
    "Correlator",
    "CorrelatorFullError",
    "DecodeError",
    "Difference",
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
