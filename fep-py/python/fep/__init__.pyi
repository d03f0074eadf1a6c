"""Fixed-length Korean financial telegrams (전문) to Python values and back, exactly.

Values: integers are ``int``, decimals ``decimal.Decimal`` (with the field's scale), dates
and times ``datetime.date`` / ``datetime.time`` / ``datetime.datetime``, blank numbers,
dates and times ``None``, text ``str`` (without its pad), ``B`` fields ``bytes``, repeats
``list`` and records ``dict``. ``encode`` takes the same, and also ``int`` or ``str`` for
decimals and ISO ``str`` for dates and times; floats are refused.
"""

import datetime
import decimal
import os
from collections.abc import Iterable, Iterator, KeysView, ItemsView, Mapping, ValuesView
from typing import IO, Any, Literal, Optional, TypedDict, Union, final, overload

__all__ = [
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

__version__: str

#: One telegram: its bytes, or its hex as a log prints it (spaces, newlines, ``0x``, and
#: ``xxd``/``hexdump -C`` dumps with their offset and ASCII columns allowed).
_TelegramData = Union[bytes, bytearray, memoryview, str]
#: A stream of framed telegrams: a path, a binary file object (``open(p, "rb")``) or bytes.
_Source = Union[str, os.PathLike[str], IO[bytes], bytes, bytearray, memoryview]
#: A packet capture's port filter: one port or several.
_Ports = Union[int, Iterable[int]]
#: A packet capture's host filter: one IPv4 or IPv6 address or several.
_Hosts = Union[str, Iterable[str]]
#: A field value as ``decode`` gives it.
_Value = Union[
    None,
    int,
    decimal.Decimal,
    str,
    bytes,
    datetime.date,
    datetime.time,
    datetime.datetime,
    list[Any],
    dict[str, Any],
]

class FepError(ValueError):
    """Base class of fep's errors: a layout, a telegram or a value that is wrong.

    ``str(error)`` is one line in a fixed template, for example
    ``transfer.amount (bytes 129..142): expected digits, found "00001O0000000"``.
    Attributes that do not apply are ``None``.
    """

    path: Optional[str]
    """The field path (``header.seq_no``, ``items[2].amount``) of a data or encode error."""
    offset: Optional[int]
    """The byte offset of a data error: of the field in the telegram; for a
    ``FramingError``, of the frame in the stream."""
    frame_offset: Optional[int]
    """The stream offset of the frame a data error is about (``iter_decode``,
    ``decode_arrow``, framing errors)."""
    fault: Optional[str]
    """``FramingError``: how the frame is wrong (``"truncated"``, ``"length_mismatch"``,
    ``"too_long"``, ``"bad_length_prefix"``)."""
    line: Optional[int]
    """The 1-based line of a layout error (or of a bad character in a hex string)."""
    column: Optional[int]
    """The 1-based column (in characters) of a layout error or a bad hex character."""
    message_name: Optional[str]
    """The message being decoded or encoded, once it is known."""

class LayoutError(FepError):
    """The layout text is wrong; ``line`` and ``column`` say where."""

class DecodeError(FepError):
    """A telegram does not match its layout; ``path`` and ``offset`` say where.

    ``offset`` counts from the start of the telegram; ``frame_offset`` is the stream offset
    of its frame (``iter_decode``, ``decode_arrow``). Never shows the bytes of a ``mask`` or
    ``secret`` field."""

class FramingError(DecodeError):
    """A byte stream is not framed as the layout says.

    ``fault`` says how: ``"truncated"`` (the stream ends inside a frame: the message says
    what its length prefix promised and how many bytes came), ``"length_mismatch"`` (a
    frame's length disagrees with its message), ``"too_long"`` or ``"bad_length_prefix"``.
    ``offset`` and ``frame_offset`` are the frame's offset in the stream."""

class EncodeError(FepError):
    """A value cannot be encoded into a telegram; ``path`` names the field."""

class CaptureGapError(DecodeError):
    """Bytes of a captured TCP stream that made no telegram: segments the capture lacks, a
    snap length that cut packets, a capture that starts inside a telegram, a stream that
    ends inside one. ``str()`` says where, how many bytes and where the stream is read
    again; ``frame_offset`` is the stream offset where it starts."""

    missing: int
    """Bytes no packet of the capture holds."""
    skipped: int
    """Bytes captured but in no telegram (a telegram the hole cut short, and what came
    before the next telegram that could be verified)."""
    src: str
    """The address and port the stream came from."""
    dst: str
    """The address and port it went to."""
    direction: str
    """``"to-server"`` or ``"to-client"``."""

class CorrelationError(FepError):
    """A ``Correlator`` refused a request, or matched no request to a response.

    Its subclasses say which. Attributes that do not apply are ``None``."""

    key: Optional[str]
    """The telegram's correlation key: ``20240315|004|TESTCO0001|000123``."""
    nearest: Optional[str]
    """``UnmatchedError``: the pending request whose key is nearest and how it differs."""
    capacity: Optional[int]
    """``CorrelatorFullError``: the correlator's capacity."""
    token: Any
    """``DuplicateKeyError``, ``CorrelatorFullError``: the refused request's token, given
    back (``None`` for an ``UnmatchedError``)."""

class DuplicateKeyError(CorrelationError):
    """``Correlator.insert``: a request with the same key is already pending. The pending
    one stays; this one is refused and its token is ``token``."""

class CorrelatorFullError(CorrelationError):
    """``Correlator.insert``: the correlator holds ``capacity`` pending requests. The
    request is refused and its token is ``token``."""

class UnmatchedError(CorrelationError):
    """``Correlator.complete``: no pending request has the response's ``key``. ``nearest``
    names the pending request whose key is nearest and how it differs (``header.send_date:
    20240314, the response has 20240315``), or is ``None``. The response is kept, with
    its message, in ``Correlator.unmatched()``."""

@final
class FieldInfo:
    """One field of a message, for inspection (``schema.messages[0].fields``)."""

    path: str
    """The path from the message root; repeated parts show ``[]``: ``items[].amount``."""
    name: str
    """The field's own name (``_`` for filler)."""
    depth: int
    """Nesting depth: 0 for the message's own fields."""
    offset: Optional[int]
    """Byte offset in the telegram (of the first element of a repeat); ``None`` after a
    counted repeat, where it depends on the count."""
    length: int
    """Byte width of one element."""
    total_length: Optional[int]
    """Total byte width; ``None`` when it depends on a count."""
    type: str
    """The type as the layout writes it: ``X(15)``, ``S9(13)``, a record name, ``group``."""
    attributes: str
    """The attributes as the layout writes them, the description left out:
    ``sign leading``, ``date``, ``time("hhmm")``, ``mask``."""
    repeat: str
    """The repeat as written (``[3]``, ``[count, max=10]``); empty for a single field."""
    description: Optional[str]
    """The description: the specification's (Korean) name of the field."""
    sensitivity: Literal["plain", "mask", "secret"]
    """``mask`` and ``secret`` fields are hidden in every ``repr``."""
    kind: Literal["text", "integer", "decimal", "date", "time", "datetime", "bytes", "record"]
    """What the field decodes to."""
    scale: Optional[int]
    """Digits after the implied decimal point, for numeric fields."""
    required: bool
    filler: bool
    repeated: bool

@final
@final
class MessageInfo:
    """One message of a layout, for inspection."""

    name: str
    length: Optional[int]
    """The telegram length, when it is fixed."""
    min_length: int
    """The shortest telegram of the message (every counted repeat empty)."""
    conditions: list[tuple[str, list[str]]]
    """The ``when`` conditions, as ``(field path, allowed values)``."""
    answers: list[str]
    """The messages whose requests this one answers (its ``answers`` line); empty when
    it answers any request with its key."""
    fields: list[FieldInfo]
    """Every field in wire order, records and groups before their members."""

@final
class Message(Mapping[str, _Value]):
    """A decoded telegram: ``name``, and its fields as a read-only mapping.

    ``msg["amount"]`` and ``msg.to_dict()`` give the real values; ``repr(msg)`` hides
    ``mask`` fields but their last 4 characters and ``secret`` fields whole. A field read
    twice gives two equal, independent objects.
    """

    @property
    def name(self) -> str:
        """The message's name in the layout."""
    @property
    def offset(self) -> Optional[int]:
        """The frame's byte offset in its stream (``iter_decode``; in a packet capture, in
        its direction's stream); ``None`` from ``decode``."""
    @property
    def ts(self) -> Optional[datetime.datetime]:
        """In a packet capture, when the packet that completed the telegram was captured (UTC,
        to the microsecond); else ``None``."""
    @property
    def ts_ns(self) -> Optional[int]:
        """``ts`` in nanoseconds since the epoch, as the capture has it."""
    @property
    def src(self) -> Optional[str]:
        """In a packet capture, the address and port it came from (``127.0.0.1:46846``)."""
    @property
    def dst(self) -> Optional[str]:
        """In a packet capture, the address and port it went to."""
    @property
    def direction(self) -> Optional[str]:
        """In a packet capture, ``"to-server"`` (from the side that opened the connection)
        or ``"to-client"``."""
    def __getitem__(self, key: str, /) -> _Value: ...
    def __iter__(self) -> Iterator[str]: ...
    def __len__(self) -> int: ...
    def __contains__(self, key: object, /) -> bool: ...
    def keys(self) -> KeysView[str]: ...
    def values(self) -> ValuesView[_Value]: ...
    def items(self) -> ItemsView[str, _Value]: ...
    def get(self, key: str, default: Any = None, /) -> Any: ...
    def to_dict(self) -> dict[str, _Value]:
        """The fields as a new ``dict``: records as dicts, repeats as lists."""
    def to_json(self, *, indent: Optional[int] = None, redact: bool = False) -> str:
        """``{"message": NAME, "fields": {...}}`` as JSON, as the other fep tools write it:
        decimals, dates and times as strings, ``B`` fields as hex. With ``redact``,
        sensitive fields are hidden as in ``repr``."""

@final
@final
class MessageIterator(Iterator[Any]):
    """Messages decoded from a stream, one at a time (``Schema.iter_decode``)."""

    def __iter__(self) -> "MessageIterator": ...
    def __next__(self) -> Any: ...
    @property
    def converted(self) -> int:
        """Telegrams yielded as messages so far."""
    @property
    def rejected(self) -> int:
        """Telegrams rejected so far (bad, or failing a ``check``): with ``converted``,
        every telegram read."""
    @property
    def gaps(self) -> int:
        """Gaps met so far in a packet capture's streams (each a ``CaptureGapError``)."""

@final
class ArrowTable:
    """Telegrams decoded into Arrow columns (``Schema.decode_arrow``).

    It exports its record batches through the Arrow PyCapsule interface, so
    ``pyarrow.table(t)``, ``polars.DataFrame(t)`` and DuckDB take the buffers without
    copying them. (``polars.from_arrow(t)`` gives a struct ``Series``: ``.struct.unnest()``
    makes it a DataFrame.)
    """

    @property
    def num_rows(self) -> int: ...
    @property
    def converted(self) -> int:
        """Telegrams converted (of every message): with ``rejected``, every one read."""
    @property
    def rejected(self) -> int:
        """Telegrams rejected (written to ``rejects``); for ``fep.pair``, telegrams that
        could not be paired (with ``keep_going``)."""
    @property
    def gaps(self) -> int:
        """Gaps in a packet capture's streams (with ``rejects`` or ``keep_going``)."""
    @property
    def num_columns(self) -> int: ...
    @property
    def column_names(self) -> list[str]: ...
    def __len__(self) -> int: ...
    def __arrow_c_stream__(self, requested_schema: Optional[object] = None) -> object: ...
    def __arrow_c_schema__(self) -> object: ...
    def to_pyarrow(self) -> Any:
        """The table as a ``pyarrow.Table`` (needs pyarrow)."""
    def to_polars(self) -> Any:
        """The table as a ``polars.DataFrame`` (needs polars)."""

class Difference(TypedDict):
    """One difference of ``Schema.diff``."""

    path: Optional[str]
    change: Literal["changed", "only_a", "only_b", "message"]
    offset_a: Optional[int]
    offset_b: Optional[int]
    length: Optional[int]
    a: Any
    b: Any
    description: Optional[str]
    hidden: bool

@final
class Schema:
    """A compiled layout: immutable, and safe to share between threads.

    Every call releases the GIL while the Rust core works, so threads decode in parallel.
    """

    @staticmethod
    def load(path: Union[str, os.PathLike[str]]) -> "Schema":
        """Reads and compiles a layout file.

        Raises ``LayoutError`` (with ``line`` and ``column``) for a wrong layout and
        ``OSError`` (``FileNotFoundError`` ...) when the file cannot be read."""
    @staticmethod
    def parse(text: str, /, *, name: Optional[str] = None) -> "Schema":
        """Compiles a layout from its text; ``name`` stands for the file in error messages."""
    @property
    def messages(self) -> list[MessageInfo]:
        """The messages in layout order, with their fields."""
    def message(self, name: str) -> MessageInfo:
        """A message by name (``KeyError`` when there is none)."""
    @property
    def encoding(self) -> str:
        """``euc-kr``, ``cp949``, ``utf-8`` or ``ascii``."""
    @property
    def framing(self) -> str:
        """The framing as the layout writes it: ``length-prefix 4 ascii``, ``lines``, ``none``."""
    @property
    def key_paths(self) -> list[str]:
        """The field paths of the layout's ``key`` directive."""
    @property
    def has_checks(self) -> bool:
        """True when the layout has ``check`` statements (a batch file's counts, totals and
        sequence numbers), which readers run over whole files."""
    def decode(
        self, data: _TelegramData, /, *, message: Optional[str] = None, framed: bool = False
    ) -> Message:
        """Decodes one telegram.

        ``data`` is the telegram without its frame (unless ``framed``, when it is exactly one
        frame as on the wire). The message is chosen by the layout's ``when`` conditions, or
        named by ``message``. Raises ``DecodeError``."""
    def decode_dict(
        self, data: _TelegramData, /, *, message: Optional[str] = None, framed: bool = False
    ) -> dict[str, _Value]:
        """What ``decode(data, message=, framed=).to_dict()`` gives, with the same errors;
        for a message without repeats, made straight from the bytes (no ``Message`` in
        between) once a first telegram of it has been decoded. Holds the GIL."""
    def encode(
        self,
        value: Union[Message, Mapping[str, Any]],
        /,
        *,
        message: Optional[str] = None,
        frame: bool = False,
    ) -> bytes:
        """Encodes a message into telegram bytes, framed for the wire when ``frame``.

        ``value`` is a ``Message``, ``{"message": NAME, "fields": {...}}``, or the fields
        with ``message=NAME`` (which may be left out when the layout has one message).
        Absent fields get their constant, default or blank. Raises ``EncodeError`` naming the
        field: a float, a value too long for its width, a character the encoding lacks, a
        missing required field, an unknown field."""
    @overload
    def iter_decode(
        self,
        source: _Source,
        /,
        *,
        keep_going: Literal[False] = False,
        rejects: Optional[Union[str, os.PathLike[str]]] = None,
        checks: bool = True,
        port: Optional[_Ports] = None,
        host: Optional[_Hosts] = None,
    ) -> MessageIterator:
        """Decodes a stream of framed telegrams one at a time, with constant memory.

        ``source`` is a path, a binary file object, or bytes. Each message's ``offset`` is its
        frame's offset in the stream. A bad telegram raises ``DecodeError`` (its ``offset`` in
        the stream); with ``keep_going`` it is yielded as a ``DecodeError`` instead, and
        reading goes on with the next telegram where the framing allows.

        The layout's ``check`` statements (batch files: trailer counts and totals, sequence
        numbers) run over every record unless ``checks`` is False; a record that fails one is
        a ``DecodeError`` naming its record number and offset, the expected and the found
        value. With ``rejects`` (a path), every rejected telegram is written there byte for
        byte, with ``PATH.index.csv`` beside it (offset, length, rejects_offset, error).

        A packet capture (pcap, pcapng; told by its first bytes) gives its telegrams in
        capture order, each message with ``ts``, ``ts_ns``, ``src``, ``dst`` and
        ``direction``; ``port`` and ``host`` (one or a list) keep the connections with one
        at either end. A gap in a stream is a ``CaptureGapError``, raised or (with
        ``keep_going``) yielded, and a line of the rejects index; the checks do not run
        over a capture."""
    @overload
    def iter_decode(
        self,
        source: _Source,
        /,
        *,
        keep_going: Literal[True],
        rejects: Optional[Union[str, os.PathLike[str]]] = None,
        checks: bool = True,
        port: Optional[_Ports] = None,
        host: Optional[_Hosts] = None,
    ) -> MessageIterator: ...
    @overload
    def iter_decode(
        self,
        source: _Source,
        /,
        *,
        keep_going: bool,
        rejects: Optional[Union[str, os.PathLike[str]]] = None,
        checks: bool = True,
        port: Optional[_Ports] = None,
        host: Optional[_Hosts] = None,
    ) -> MessageIterator: ...
    def encode_batch(
        self, messages: Iterable[Union[Message, Mapping[str, Any]]], /, *, checks: bool = True
    ) -> bytes:
        """Encodes messages into a batch file, each framed as the layout says.

        Fields the layout's ``check`` statements compute (trailer counts and totals,
        sequence numbers, header copies) are filled in when left out or None, and checked
        when given (``EncodeError`` when they disagree); a batch left open gets its
        trailer, so a header and data records make a complete, valid file."""
    def explain(self, data: _TelegramData, /, *, message: Optional[str] = None) -> str:
        """The telegram field by field as a text table, the one ``fep explain`` prints: offset,
        length, path, description, raw bytes (hex and text) and value; ``mask``/``secret``
        fields hidden. Never raises for a bad telegram: it shows the fields that decoded, the
        failing one and the error, then the bytes not decoded (sensitive ones as ``**``)."""
    def key(self, data: _TelegramData, /) -> str:
        """The correlation key (the layout's ``key`` directive): the key fields as on the
        wire, trailing spaces removed, joined with ``|``. Read without decoding."""
    def diff(
        self,
        a: Union[Message, _TelegramData, Mapping[str, Any]],
        b: Union[Message, _TelegramData, Mapping[str, Any]],
        /,
        *,
        reveal: bool = False,
    ) -> list["Difference"]:
        """Two messages compared field by field, as ``fep diff`` compares them: one dict a
        difference, ``[]`` when they are equal. ``a`` and ``b`` are ``Message``s, telegrams
        (decoded first; raises ``DecodeError``) or dicts as ``encode`` takes them.

        Each difference has the field's ``path`` with entry indices (``items[2].amount``;
        an entry one side lacks is one difference, ``items[2]``, its value a dict), how it
        differs (``change``), its offset in each telegram (``None`` on the side that lacks
        it; they part after a repeat of another count), ``length``, both values (``mask``
        and ``secret`` ones as the hidden text unless ``reveal``), the ``description`` and
        ``hidden`` (the values differ only where they are hidden). Two different messages
        give first ``{"change": "message", "path": None, "a": NAME_A, "b": NAME_B, ...}``,
        then the fields they share (a common header) that differ."""
    def decode_arrow(
        self,
        source: _Source,
        /,
        *,
        message: Optional[str] = None,
        rejects: Optional[Union[str, os.PathLike[str]]] = None,
        checks: bool = True,
        port: Optional[_Ports] = None,
        host: Optional[_Hosts] = None,
    ) -> ArrowTable:
        """Decodes a stream of framed telegrams into typed Arrow columns, with the GIL released.

        With ``message``, the rows are that message's telegrams (telegrams of other messages
        are passed over) and the columns its fields. Without it, a layout of one message gives
        that message; a layout of several gives a ``message`` column and the fields that every
        message has alike (a common header).

        Columns: text ``utf8``, integers ``int64``, decimals ``decimal128(38, scale)``, dates
        ``date32``, times ``time64[us]``, datetimes ``timestamp[us]``, ``B`` fields ``binary``,
        records ``struct``, repeats ``list``; blanks are null. Raises ``DecodeError`` at the
        first bad telegram, with its stream offset.

        The layout's ``check`` statements run over every record unless ``checks`` is False.
        With ``rejects`` (a path), a bad telegram or one that fails a check is written there
        byte for byte, with ``PATH.index.csv`` beside it, and left out of the table instead
        of raising: ``converted`` and ``rejected`` add up to the telegrams read.

        A packet capture (pcap, pcapng; told by its first bytes) adds the columns ``ts``
        (``timestamp[ns, tz=UTC]``), ``src``, ``dst`` and ``direction`` (``utf8``, as the
        command line writes them) after ``message`` and before the fields; ``port`` and
        ``host`` (one or a list) keep the connections with one at either end. A gap in a
        stream raises ``CaptureGapError``, or with ``rejects`` is a line of its index
        (``gaps`` counts them) and reading goes on."""
    def iter_arrow(
        self,
        path: Union[str, "os.PathLike[str]"],
        /,
        *,
        message: Optional[str] = None,
        start: int = 0,
        end: Optional[int] = None,
        mode: str = "FAILFAST",
        batch_rows: int = 65536,
        checks: bool = True,
    ) -> ArrowBatches:
        """The record batches of one byte range of a capture file, decoded as they are asked
        for (the Spark data source's partitions): the telegrams whose frames start in
        ``[boundary(start), boundary(end))``; a boundary is the first frame start at or after
        an offset (docs/spark.md). Columns: those of ``decode_arrow``, then ``_offset`` (the
        frame's byte offset in the file) and, with ``mode="PERMISSIVE"``, ``_error`` (why a
        telegram did not decode; its fields are null). ``"DROPMALFORMED"`` leaves bad
        telegrams out; ``"FAILFAST"`` raises ``DecodeError`` at the first. The layout's
        ``check`` statements run unless ``checks`` is False: they need the whole file
        (``start=0, end=None``; a part raises ``ValueError``), a record that fails one is a
        bad telegram, and a batch left open at the end is one more row at the file's end."""
    def to_parquet(
        self,
        source: _Source,
        folder: Union[str, "os.PathLike[str]"],
        /,
        *,
        reveal: bool = False,
        compression: str = "zstd",
        row_group_rows: int = 131072,
        rejects: Union[str, "os.PathLike[str]", None] = None,
        checks: bool = True,
        text_statistics: bool = False,
    ) -> dict[str, int]:
        """Converts a stream of framed telegrams to Parquet: one dataset per message,
        ``folder/message=NAME/part-00000.parquet``, with ``decode_arrow``'s types. ``mask``
        and ``secret`` fields are text as ``repr`` shows them unless ``reveal``. Row groups
        of at most ``row_group_rows`` rows keep memory flat; compression ``"zstd"``,
        ``"snappy"`` or ``"none"``. Numbers, decimals, dates and times carry min/max
        statistics; text and bytes columns only with ``text_statistics`` (for text that
        rises with the capture, such as a date kept as ``X(8)``; it halves the speed). The layout's ``check`` statements run over every record
        unless ``checks`` is False. Raises ``DecodeError`` at the first bad telegram or
        failed check; with ``rejects`` (a path), each one is written there byte for byte
        (its index in ``rejects.index.csv``), left out, and converting goes on. Returns the
        rows written per message."""

@final
class ArrowBatches:
    """The batches of ``Schema.iter_arrow``: an iterator of ``ArrowTable`` of one record
    batch each."""

    def __iter__(self) -> "ArrowBatches": ...
    def __next__(self) -> ArrowTable: ...
    @property
    def empty(self) -> ArrowTable:
        """A table of the batches' schema, without rows."""

@final
class Matched:
    """A response matched with its request (``Correlator.complete``)."""

    token: Any
    """The token the request was inserted with: the same object."""
    request_message: str
    """The request's message."""
    response_message: str
    """The response's message."""
    key: str
    """The key they share."""
    elapsed: float
    """Seconds from the request's insert to the response's complete (monotonic clock)."""

@final
class Expired:
    """A request that left the correlator without a response (``Correlator.expire``,
    ``Correlator.drain``)."""

    token: Any
    """The token the request was inserted with: the same object."""
    request_message: str
    """The request's message."""
    key: str
    """The request's key."""
    elapsed: float
    """Seconds from the request's insert to its leaving."""

@final
class Unmatched:
    """A response that matched no pending request (``Correlator.unmatched``)."""

    message: str
    """The response's message."""
    key: str
    """The response's key."""
    nearest: Optional[str]
    """The pending request whose key was nearest and how it differed, or ``None``."""
    age: float
    """Seconds since the response arrived."""

#: A duration: seconds, or a ``datetime.timedelta``.
_Seconds = Union[float, int, datetime.timedelta]

@final
class Correlator:
    """Matches responses to their requests by the layout's correlation key (its ``key``
    directive), and gives back each request's token: any object (a future, a trace id, a
    callback).

    Every request inserted leaves exactly once: matched (``complete``), expired
    (``expire``), cancelled (``cancel``) or drained (``drain``); a refused insert raises
    with the token on the exception. The correlator keeps a token alive only while its
    request is pending.

    Safe to share between threads: the table is locked in shards, each lock held for one
    hash map operation. Time is the library's monotonic clock; durations are seconds as
    ``float`` (a ``datetime.timedelta`` is taken too).
    """

    def __init__(self, schema: Schema, capacity: int = 100_000, timeout: _Seconds = 30.0) -> None:
        """A correlator for ``schema``'s telegrams, holding at most ``capacity`` pending
        requests, each given up ``timeout`` seconds after its insert unless the insert
        gives its own timeout."""
    @property
    def capacity(self) -> int:
        """The most requests that may be pending at once."""
    @property
    def timeout(self) -> float:
        """The timeout of an insert without one, in seconds."""
    def insert(
        self, request: _TelegramData, token: Any, /, timeout: Optional[_Seconds] = None
    ) -> str:
        """Files a request under its key with ``token``, and returns the key text.

        Its deadline is ``timeout`` seconds from now (the correlator's when ``None``).
        Raises ``DuplicateKeyError`` when a request with the key is pending,
        ``CorrelatorFullError`` at capacity, ``LayoutError`` when the request's message has
        no key, ``DecodeError`` when the key cannot be read; every one of them carries the
        token as ``token``."""
    def complete(self, response: _TelegramData, /) -> Matched:
        """Matches a response with its pending request, which leaves the correlator.

        Raises ``UnmatchedError`` (with ``key`` and ``nearest``) when no pending request has
        its key, ``DecodeError`` when the key cannot be read."""
    def cancel(self, request: _TelegramData, /) -> Any:
        """Takes back the pending request of a request telegram without a response: its
        token, or ``None`` when it is not pending."""
    def expire(self) -> list[Expired]:
        """Every pending request whose deadline has passed, each given back once."""
    def drain(self) -> list[Expired]:
        """Every pending request, given back (a session closed: fail them all)."""
    def next_deadline(self) -> Optional[float]:
        """Seconds until the earliest deadline (``0.0`` when it has passed), ``None`` when
        nothing is pending: how long to wait before the next ``expire``."""
    def unmatched(self) -> list[Unmatched]:
        """The last responses that matched no request (at most 64), oldest first."""
    def key(self, data: _TelegramData, /) -> str:
        """The correlation key of a telegram, as ``Schema.key`` gives it."""
    def __len__(self) -> int:
        """How many requests are pending."""

def pair(
    schema: Union[Schema, str, os.PathLike[str]],
    source: _Source,
    /,
    *,
    code: Optional[str] = None,
    response_when: Optional[str] = None,
    requests: Literal["client", "server"] = "client",
    max_pending: int = 100_000,
    port: Optional[_Ports] = None,
    host: Optional[_Hosts] = None,
    keep_going: bool = False,
) -> ArrowTable:
    """Every request of a packet capture (or of a stream of framed telegrams) matched with
    its response by the layout's ``key``, as ``fep pair`` does it: one row a request and
    one a response that matched no request, in capture order.

    Columns, those of ``fep pair --format csv``: ``offset`` (uint64), ``key``, ``request``,
    ``response``, ``code``, ``latency_ms`` (float64), ``outcome`` (``"answered"``,
    ``"unanswered"``, ``"answered twice"``, ``"unmatched response"``), ``ts``
    (``timestamp[ns, tz=UTC]``), ``src``, ``dst``, ``direction`` (null for framed
    telegrams), then ``responses`` (uint32). ``schema`` may be a layout file's path.

    ``code`` names the response code field (default: one named ``resp_code``,
    ``response_code`` or ``rsp_code``); ``response_when="PATH=VALUE,..."`` tells responses
    by a field; ``requests="server"`` when the side that accepted the connection sends the
    requests. A telegram that cannot be paired, a framing error or a gap raises
    (``DecodeError``, ``CaptureGapError``) unless ``keep_going``: then the table's
    ``rejected`` and ``gaps`` count them."""
