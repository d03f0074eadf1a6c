"""Telegram captures as Spark DataFrames, on Spark's own engine.

Spark 4 (the Python Data Source API)::

    import fep.spark
    fep.spark.register(spark)
    df = (spark.read.format("fep")
          .option("layout", "bank.layout")
          .option("message", "transfer")
          .load("captures/"))

Spark 3.5 (no Python data sources): ``fep.spark.decode_binary_files`` turns a DataFrame of
``spark.read.format("binaryFile")`` into the same rows with ``mapInArrow``.

The columns are those of ``Schema.decode_arrow`` (the layout's types, one message per read,
or all messages with a ``message`` column and the fields they have alike), then ``_file``,
``_offset`` (the frame's byte offset in its file) and, in PERMISSIVE mode, ``_error``; the
``columns`` option keeps only the named ones (Spark's Python data sources are not told which
columns a query reads, and every column shipped costs). Batches travel as Arrow record
batches. See docs/spark.md.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import os
import tempfile
from dataclasses import dataclass
from typing import Iterator, List, Optional

import pyarrow as pa

import fep

__all__ = [
    "DEFAULT_OPEN_COST",
    "DEFAULT_SPLIT_SIZE",
    "FepDataSource",
    "decode_binary_files",
    "partitions",
    "ranges",
    "register",
    "spark_schema",
]

#: Files larger than this are read by several tasks, cut at telegram boundaries (the
#: ``splitSize`` option; 0 reads every file whole). Spark's own default for files.
DEFAULT_SPLIT_SIZE = 128 * 1024 * 1024

#: What opening a file costs a task, counted in bytes as if read (the ``openCostInBytes``
#: option, Spark's ``spark.sql.files.openCostInBytes``): small files and the tails of cut
#: ones are packed into one task up to the split size, each counting this much more than
#: its bytes. Spark's own default.
DEFAULT_OPEN_COST = 4 * 1024 * 1024

FILE_COLUMN = "_file"
OFFSET_COLUMN = "_offset"
ERROR_COLUMN = "_error"
MODES = ("PERMISSIVE", "DROPMALFORMED", "FAILFAST")


@dataclass(frozen=True)
class _Read:
    """What every task of a read needs: the layout's text (so executors need not see the
    layout file), and the options."""

    layout_text: str
    layout_name: str
    message: Optional[str]
    mode: str
    batch_rows: int
    checks: bool = True
    #: The columns to keep (``None``: all), in this order, before the added ones.
    columns: Optional[tuple] = None

    def schema(self) -> fep.Schema:
        return _parse(self.layout_text, self.layout_name)

    def arrow_schema(self) -> pa.Schema:
        """The schema of the batches handed to Spark: the fields with times as text
        (``09:30:15``: Spark has no time type by default), then the added columns."""
        fields = _times_as(pa.schema(self.schema().decode_arrow(b"", message=self.message)), pa.string())
        if self.columns is not None:
            fields = [fields.field(name) for name in self.columns]
        extra = [pa.field(FILE_COLUMN, pa.string(), False), pa.field(OFFSET_COLUMN, pa.int64(), False)]
        if self.mode == "PERMISSIVE":
            extra.append(pa.field(ERROR_COLUMN, pa.string(), True))
        return pa.schema(list(fields) + extra)

    def batches(
        self, path: str, start: int, end: Optional[int], label: Optional[str] = None
    ) -> Iterator[pa.RecordBatch]:
        """The record batches of one range of one file, with ``_file`` (``label``, or the
        path) added."""
        out_schema = self.arrow_schema()
        tail = 2 if self.mode == "PERMISSIVE" else 1
        batches = self.schema().iter_arrow(
            path,
            message=self.message,
            start=start,
            end=end,
            mode=self.mode,
            batch_rows=self.batch_rows,
            checks=self.checks,
        )
        native = pa.schema(batches.empty)
        keep = None
        if self.columns is not None:
            keep = list(self.columns) + native.names[len(native.names) - tail :]
            native = pa.schema([native.field(name) for name in keep])
        seconds = _times_as(native, pa.time32("s"))
        text = _times_as(native, pa.string())
        has_time = seconds != native
        file_name = pa.scalar(label or path, pa.string())
        for table in batches:
            for b in pa.table(table).to_batches():
                if keep is not None:
                    b = b.select(keep)
                if has_time:
                    # Whole seconds (a telegram has no fractions), then "hh:mm:ss".
                    b = b.cast(seconds).cast(text)
                cols = b.columns
                # _offset (and _error) come last from the core; _file goes before them.
                file_col = pa.repeat(file_name, b.num_rows)
                arrays = cols[: len(cols) - tail] + [file_col] + cols[len(cols) - tail :]
                yield pa.RecordBatch.from_arrays(arrays, schema=out_schema)


@functools.lru_cache(maxsize=8)
def _parse(text: str, name: str) -> fep.Schema:
    """A layout parsed once per process: a task reads several files, each needing it."""
    return fep.Schema.parse(text, name=name)


def _opt(options, name: str, default=None):
    """An option by name, whatever its case (Spark passes them case-insensitively, and may
    lower-case the names)."""
    for key in (name, name.lower()):
        value = options.get(key)
        if value is not None:
            return value
    return default


def _times_as(schema: pa.Schema, to: pa.DataType) -> pa.Schema:
    """The schema with every ``time64`` (at any depth) made ``to``."""

    def conv(t: pa.DataType) -> pa.DataType:
        if pa.types.is_time64(t):
            return to
        if pa.types.is_struct(t):
            return pa.struct([f.with_type(conv(f.type)) for f in t])
        if pa.types.is_list(t):
            return pa.list_(t.value_field.with_type(conv(t.value_type)))
        return t

    return pa.schema([f.with_type(conv(f.type)) for f in schema], metadata=schema.metadata)


def _read_options(options, cwd: Optional[str] = None) -> _Read:
    layout = _opt(options, "layout")
    if not layout:
        raise ValueError('the fep data source needs the layout: .option("layout", "bank.layout")')
    layout = _resolve(layout, cwd)
    with open(layout, encoding="utf-8") as f:
        text = f.read()
    mode = str(_opt(options, "mode", "PERMISSIVE")).upper()
    if mode not in MODES:
        raise ValueError(f"mode {_opt(options, 'mode')!r}: give PERMISSIVE, DROPMALFORMED or FAILFAST")
    batch_rows = int(_opt(options, "batchRows", "65536"))
    if batch_rows < 1:
        raise ValueError("batchRows must be at least 1")
    checks = str(_opt(options, "checks", "true")).lower()
    if checks not in ("true", "false"):
        raise ValueError(f"checks {_opt(options, 'checks')!r}: give true or false")
    read = _Read(text, os.path.basename(layout), _opt(options, "message"), mode, batch_rows, checks == "true")
    read.schema()  # a bad layout fails on the driver, with its line and column
    columns = _opt(options, "columns")
    if columns is not None:
        read = dataclasses.replace(read, columns=_columns(read, columns))
    return read


def _columns(read: _Read, option) -> tuple:
    """The ``columns`` option (names separated by commas, or a list) checked against the
    read's columns: known, each once. The added columns (``_file``, ``_offset``,
    ``_error``) are always there and may be named too."""
    names = [n.strip() for n in option.split(",")] if isinstance(option, str) else [str(n) for n in option]
    names = [n for n in names if n and n not in (FILE_COLUMN, OFFSET_COLUMN, ERROR_COLUMN)]
    have = pa.schema(read.schema().decode_arrow(b"", message=read.message)).names
    for n in names:
        if n not in have:
            raise ValueError(
                f"columns: {n!r} is not a column of this read (a group is named whole, not "
                f"by its fields); the columns are {', '.join(have)}"
            )
    seen = set()
    twice = [n for n in names if n in seen or seen.add(n)]
    if twice:
        raise ValueError(f"columns: {twice[0]!r} is named twice")
    if not names:
        raise ValueError("columns: name at least one column of the layout")
    return tuple(names)


def _resolve(path: str, cwd: Optional[str]) -> str:
    """A relative path against the directory the session was registered from: Spark runs
    the data source's methods in Python workers, whose working directory is Spark's."""
    if cwd and "://" not in path and not os.path.isabs(path):
        return os.path.join(cwd, path)
    return path


def _bytes(options, name: str, default: int, zero: str) -> int:
    """A size option in bytes, 0 or more (``zero`` says what 0 means)."""
    value = _opt(options, name)
    size = default if value is None else int(value)
    if size < 0:
        raise ValueError(f"{name} must be a number of bytes, or 0 ({zero})")
    return size


def _files(paths: List[str], glob: Optional[str]) -> List[str]:
    """The files under the paths, sorted; hidden ones (``.x``, ``_x``) are passed over, as
    Spark's file sources do."""
    out = []
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, names in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
                for n in sorted(names):
                    if n.startswith((".", "_")) or (glob and not fnmatch.fnmatch(n, glob)):
                        continue
                    out.append(os.path.join(root, n))
        elif os.path.isfile(p):
            out.append(p)
        else:
            raise FileNotFoundError(f"{p}: no such file or folder")
    return out


def ranges(paths: List[str], split_size: int = DEFAULT_SPLIT_SIZE, glob: Optional[str] = None):
    """(file, start, end) for each range to read: one per file, and a file larger than
    ``split_size`` cut into ranges of that size (``end`` is ``None`` for a file's last).
    Each range is read from the first telegram boundary at or after its start; see
    docs/spark.md."""
    sized = [(path, os.path.getsize(path)) for path in _files(paths, glob)]
    return [(path, start, end) for path, start, end, _ in _cut(sized, split_size)]


def _cut(files, split_size: int):
    """(file, start, end, length) of each range of the (file, size) pairs."""
    out = []
    for path, size in files:
        if split_size <= 0 or size <= split_size:
            out.append((path, 0, None, size))
            continue
        starts = list(range(0, size, split_size))
        for i, s in enumerate(starts):
            end = starts[i + 1] if i + 1 < len(starts) else None
            out.append((path, s, end, (size if end is None else end) - s))
    return out


def partitions(
    paths: List[str],
    split_size: int = DEFAULT_SPLIT_SIZE,
    glob: Optional[str] = None,
    open_cost: int = DEFAULT_OPEN_COST,
    cores: Optional[int] = None,
):
    """The tasks of a read, each a list of ``(file, start, end)`` ranges, as Spark plans
    the tasks of its own file sources. The task size is ``split_size``
    (``DEFAULT_SPLIT_SIZE`` when it is 0), or less when the files are too few to keep
    ``cores`` busy: their bytes, and ``open_cost`` more for each file, shared among the
    cores, but never under ``open_cost``. Files larger than the task size are cut into
    ranges of that size (not when ``split_size`` is 0); then consecutive ranges, in file
    name order, go into one task while their bytes, and ``open_cost`` more for each, stay
    within it. A range at least that large is a task of its own."""
    sized = [(path, os.path.getsize(path)) for path in _files(paths, glob)]
    limit = split_size if split_size > 0 else DEFAULT_SPLIT_SIZE
    if cores and cores > 0:
        per_core = -(-sum(size + open_cost for _, size in sized) // cores)
        limit = min(limit, max(open_cost, per_core))
    limit = max(limit, 1)
    tasks: List[list] = []
    current: list = []
    filled = 0
    for path, start, end, length in _cut(sized, limit if split_size > 0 else 0):
        if current and filled + length > limit:
            tasks.append(current)
            current, filled = [], 0
        current.append((path, start, end))
        filled += length + open_cost
    if current:
        tasks.append(current)
    return tasks


def spark_schema(arrow_schema: pa.Schema):
    """The Spark ``StructType`` of an Arrow schema of decoded telegrams."""
    from pyspark.sql import types as T

    def convert(t: pa.DataType):
        if pa.types.is_string(t) or pa.types.is_large_string(t):
            return T.StringType()
        if pa.types.is_int64(t):
            return T.LongType()
        if pa.types.is_decimal(t):
            return T.DecimalType(t.precision, t.scale)
        if pa.types.is_date32(t):
            return T.DateType()
        if pa.types.is_time64(t):
            return T.TimeType(6)
        if pa.types.is_timestamp(t):
            return T.TimestampNTZType() if t.tz is None else T.TimestampType()
        if pa.types.is_binary(t):
            return T.BinaryType()
        if pa.types.is_struct(t):
            return T.StructType([T.StructField(f.name, convert(f.type), f.nullable) for f in t])
        if pa.types.is_list(t):
            return T.ArrayType(convert(t.value_type), True)
        raise TypeError(f"no Spark type for Arrow {t}")

    return T.StructType([T.StructField(f.name, convert(f.type), f.nullable) for f in arrow_schema])


try:
    from pyspark.sql.datasource import DataSource, DataSourceReader, InputPartition
except ImportError:  # Spark 3.5 and older: decode_binary_files only
    DataSource = None  # type: ignore[assignment,misc]


if DataSource is not None:

    class _FilePart(InputPartition):
        """One task's ranges, ``(file, start, end)`` each, read one after the other."""

        def __init__(self, ranges: list):
            super().__init__(tuple(ranges))
            self.ranges = ranges

    class _Reader(DataSourceReader):
        def __init__(self, read: _Read, parts):
            self.read_ = read
            self.parts = parts

        def partitions(self):
            return [_FilePart(task) for task in self.parts] or [_FilePart([])]

        def read(self, partition):
            for path, start, end in partition.ranges:
                yield from self.read_.batches(path, start, end)

    class FepDataSource(DataSource):
        """``spark.read.format("fep")``: options ``layout`` (required), ``message``, ``mode``
        (PERMISSIVE, DROPMALFORMED, FAILFAST), ``splitSize`` (bytes, 0 for whole files),
        ``openCostInBytes`` (small files packed into one task),
        ``batchRows``, ``pathGlobFilter``, ``checks`` (true: a layout's ``check`` statements
        run, each file read whole), ``columns`` (the columns to keep, by name, separated by
        commas; all by default)."""

        #: The driver's working directory, set by ``register``.
        cwd: Optional[str] = None
        #: The session's default parallelism when ``register`` was called: a read of few
        #: bytes gets smaller tasks, so that each core has some, as Spark's file sources do.
        cores: Optional[int] = None

        @classmethod
        def name(cls) -> str:
            return "fep"

        def _read(self) -> _Read:
            return _read_options(self.options, self.cwd)

        def schema(self):
            return spark_schema(self._read().arrow_schema())

        def reader(self, schema):
            options = self.options
            paths = _opt(options, "paths") or _opt(options, "path")
            if not paths:
                raise ValueError('give the captures: .load("captures/")')
            if isinstance(paths, str) and paths.startswith("["):
                import json

                paths = json.loads(paths)
            elif isinstance(paths, str):
                paths = [paths]
            paths = [_resolve(p, self.cwd) for p in paths]
            read = self._read()
            split = _bytes(options, "splitSize", DEFAULT_SPLIT_SIZE, "no splitting")
            # A layout's checks (a batch file's totals) need each file whole: no splitting.
            if read.checks and read.schema().has_checks:
                split = 0
            open_cost = _bytes(options, "openCostInBytes", DEFAULT_OPEN_COST, "files cost nothing to open")
            parts = partitions(paths, split, _opt(options, "pathGlobFilter"), open_cost, self.cores)
            return _Reader(read, parts)

else:
    FepDataSource = None  # type: ignore[assignment,misc]


def register(spark) -> None:
    """Registers the ``fep`` format with a Spark 4 session."""
    if FepDataSource is None:
        raise RuntimeError(
            "Spark's Python Data Source API needs PySpark 4; on Spark 3.5 use fep.spark.decode_binary_files"
        )
    # A class made here travels by value to Spark's Python workers, and with it the
    # directory that relative paths (the layout, the captures) are taken from.
    try:
        cores = int(spark.sparkContext.defaultParallelism)
    except Exception:  # Spark Connect has no SparkContext: tasks by size alone
        cores = None
    source = type(
        "FepDataSource",
        (FepDataSource,),
        {"cwd": os.getcwd(), "cores": cores, "__module__": __name__ + "._registered"},
    )
    spark.dataSource.register(source)


def decode_binary_files(
    df,
    layout: str,
    *,
    message: Optional[str] = None,
    mode: str = "PERMISSIVE",
    batch_rows: int = 65536,
    checks: bool = True,
    columns: Optional[List[str]] = None,
):
    """For Spark 3.5: the rows of the telegrams in a DataFrame of whole files, as
    ``spark.read.format("binaryFile").load(...)`` gives (columns ``path`` and
    ``content``), through ``mapInArrow``; the columns are those of the data source, with
    ``_file`` the file's path (``columns``: only the named ones, as the data source's option).
    Each file is decoded by one task (a file is one row)."""
    options = {"layout": layout, "mode": mode, "batchRows": str(batch_rows), "checks": str(checks).lower()}
    if message:
        options["message"] = message
    if columns is not None:
        options["columns"] = list(columns)
    read = _read_options(options, os.getcwd())
    out = spark_schema(read.arrow_schema())

    def decode(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            paths = batch.column("path").to_pylist()
            contents = batch.column("content")
            for i, path in enumerate(paths):
                with tempfile.NamedTemporaryFile(prefix="fep-", suffix=".bin") as tmp:
                    tmp.write(contents[i].as_py())
                    tmp.flush()
                    yield from read.batches(tmp.name, 0, None, label=path)

    return df.select("path", "content").mapInArrow(decode, out)
