#!/usr/bin/env python3
"""Writes the sample telegrams of every layout in this directory.

For each layout NAME.layout the samples live in NAME/: SAMPLE.bin holds the bytes
exactly as on the wire (framed as the layout's `framing` directive says), SAMPLE.json
the decoded value that the library must produce from them, and encode from it.

The bytes are built field by field from the values defined below, following the
layout language's rules, by the small encoder in this file. It is deliberately
independent of the library: it reads the .layout files with its own line parser and
knows the value conventions itself, so the samples are an oracle for the library
rather than a copy of its output.

Self-checks run on every invocation, before anything is written:
  - every record and message length declared in a layout equals the sum of its
    field widths; message conditions name fields at the same offset in every
    message; equally specific messages cannot overlap; key paths exist;
  - every telegram's length equals its message's declared length (or, for a
    message with a counted repeat, the length its count implies);
  - the framed bytes split back into the same telegrams;
  - the message chosen by the conditions is the intended one;
  - decoding the bytes gives back exactly the values (so every sample is canonical
    and encode(decode(bytes)) == bytes), keys in layout order;
  - EUC-KR text stays inside KS X 1001 (no 8-byte make-up sequences), and the CP949
    samples really use syllables that EUC-KR cannot hold;
  - the batch trailer totals agree with the data records.

Usage: python3 make_samples.py           write every .bin and .json
       python3 make_samples.py --check   compare instead of writing; exit 1 on a difference

Standard library only. Running it twice gives identical files.
"""

import datetime
import json
import os
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

CODECS = {"euc-kr": "euc_kr", "cp949": "cp949", "utf-8": "utf-8", "ascii": "ascii"}
FULLWIDTH_SPACE = "\u3000"

# Overpunched last digit: '{', 'A'..'I' are +0..+9; '}', 'J'..'R' are -0..-9.
OVERPUNCH_POS = "{ABCDEFGHI"
OVERPUNCH_NEG = "}JKLMNOPQR"


class LayoutError(Exception):
    pass


class SampleError(Exception):
    pass


# --------------------------------------------------------------------------------------
# Layout reader


class Field:
    """One line of a layout: a field, a repeat of a field, or a group repeat."""

    def __init__(self, name, line):
        self.name = name
        self.line = line
        self.repeat = None  # None, ("fixed", n), ("max", count_name, n), ("slots", count_name, n)
        self.kind = None  # text, gtext, number, bytes, record, group
        self.width = 0  # width of one occurrence
        self.digits = 0  # number: total digits
        self.scale = 0
        self.signed = False
        self.sign = None  # leading, trailing, overpunch
        self.align = None
        self.pad = None
        self.temporal = None  # ("date", "YYYYMMDD"), ("time", "hhmmss"), ...
        self.const = None
        self.default = None
        self.required = False
        self.raw = False
        self.desc = None
        self.children = None  # record or group fields
        self.record = None


class Scope:
    def __init__(self, kind, name, length, line):
        self.kind = kind  # record, message
        self.name = name
        self.length = length
        self.line = line
        self.conditions = []  # (path, [literals])
        self.fields = []


class Layout:
    def __init__(self, name):
        self.name = name
        self.encoding = "euc-kr"
        self.framing = None
        self.keys = []
        self.records = {}
        self.messages = {}  # insertion order = file order

    @property
    def codec(self):
        return CODECS[self.encoding]


def strip_comment(line):
    out = []
    in_str = False
    for ch in line:
        if ch == '"':
            in_str = not in_str
        elif ch == "#" and not in_str:
            break
        out.append(ch)
    return "".join(out).strip()


TOKEN = re.compile(
    r'\s*(?:(?P<str>"[^"]*")'
    r'|(?P<fn>[A-Za-z_]\w*\("[^"]*"\))'
    r"|(?P<word>[A-Za-z0-9_]+(?:\([^)]*\))?(?:V9\(\d+\))?)"
    r"|(?P<punct>[=]))"
)

TYPE_PATTERNS = [
    ("text", re.compile(r"(?:X|AN)\((\d+)\)$")),
    ("gtext", re.compile(r"G\((\d+)\)$")),
    ("idec", re.compile(r"9\((\d+)\)V9\((\d+)\)$")),
    ("ndec", re.compile(r"N\((\d+),\s*(\d+)\)$")),
    ("int", re.compile(r"(?:9|N)\((\d+)\)$")),
    ("signed", re.compile(r"S9\((\d+)\)(?:V9\((\d+)\))?$")),
    ("bytes", re.compile(r"B\((\d+)\)$")),
]


def tokenize(text, where):
    tokens = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise LayoutError(f"{where}: cannot read {text[pos:]!r}")
        kind = m.lastgroup
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    return tokens


def parse_type(field, token, layout, where):
    for kind, pattern in TYPE_PATTERNS:
        m = pattern.match(token)
        if not m:
            continue
        if kind == "text":
            field.kind, field.width = "text", int(m.group(1))
        elif kind == "gtext":
            field.kind, field.width = "gtext", int(m.group(1))
            if field.width % 2:
                raise LayoutError(f"{where}: G width must be even")
        elif kind == "int":
            field.kind, field.digits = "number", int(m.group(1))
        elif kind == "idec":
            field.kind = "number"
            field.digits = int(m.group(1)) + int(m.group(2))
            field.scale = int(m.group(2))
        elif kind == "ndec":
            field.kind, field.digits, field.scale = "number", int(m.group(1)), int(m.group(2))
        elif kind == "signed":
            field.kind, field.signed = "number", True
            field.digits = int(m.group(1)) + int(m.group(2) or 0)
            field.scale = int(m.group(2) or 0)
        elif kind == "bytes":
            field.kind, field.width = "bytes", int(m.group(1))
        return
    if token in layout.records:
        field.kind = "record"
        field.record = layout.records[token]
        field.children = field.record.fields
        field.width = fixed_length(field.record.fields)  # checked against the declared length later
        return
    raise LayoutError(f"{where}: unknown type {token!r}")


def parse_attributes(field, tokens, where):
    i = 0

    def string_arg():
        nonlocal i
        if i >= len(tokens) or tokens[i][0] != "str":
            raise LayoutError(f"{where}: expected a string after {tokens[i - 1][1]!r}")
        i += 1
        return tokens[i - 1][1][1:-1]

    def word_arg(choices):
        nonlocal i
        if i >= len(tokens) or tokens[i][1] not in choices:
            raise LayoutError(f"{where}: expected one of {choices}")
        i += 1
        return tokens[i - 1][1]

    while i < len(tokens):
        kind, tok = tokens[i]
        i += 1
        if kind == "str":
            if i != len(tokens):
                raise LayoutError(f"{where}: the description comes last")
            field.desc = tok[1:-1]
        elif tok == "=":
            field.const = string_arg()
        elif tok == "default":
            field.default = string_arg()
        elif tok in ("date", "time", "datetime"):
            field.temporal = (tok, {"date": "YYYYMMDD", "time": "hhmmss", "datetime": "YYYYMMDDhhmmss"}[tok])
        elif kind == "fn" and tok.split("(")[0] in ("date", "time"):
            field.temporal = (tok.split("(")[0], tok[tok.index('"') + 1 : tok.rindex('"')])
        elif tok == "required":
            field.required = True
        elif tok == "raw":
            field.raw = True
        elif tok in ("mask", "secret", "lenient"):
            pass  # no effect on the bytes or the JSON
        elif tok == "align":
            field.align = word_arg(("left", "right"))
        elif tok == "pad":
            field.pad = string_arg()
        elif tok == "sign":
            field.sign = word_arg(("leading", "trailing", "overpunch"))
        else:
            raise LayoutError(f"{where}: unknown attribute {tok!r}")


def finish_field(field, where):
    if field.kind == "number":
        if field.signed and field.sign is None:
            raise LayoutError(f"{where}: S9 needs a sign attribute")
        if not field.signed and field.sign is not None:
            raise LayoutError(f"{where}: sign on an unsigned number")
        field.width = field.digits + (1 if field.sign in ("leading", "trailing") else 0)
        field.align = field.align or "right"
        field.pad = field.pad if field.pad is not None else "0"
        if (field.align, field.pad) not in (("right", "0"), ("left", " ")):
            raise LayoutError(f"{where}: number alignment {field.align}/{field.pad!r} not supported here")
        if (field.align, field.pad) == ("left", " ") and (field.scale or field.signed or field.temporal):
            raise LayoutError(f"{where}: left-aligned numbers are plain integers here")
        if field.temporal:
            kind, pattern = field.temporal
            if len(pattern) != field.width or field.scale or field.signed:
                raise LayoutError(f"{where}: {kind} pattern {pattern} does not fit the field")
    elif field.kind == "text":
        field.align = field.align or "left"
        field.pad = field.pad if field.pad is not None else " "
    elif field.kind in ("gtext", "bytes", "record"):
        if field.align or field.pad:
            raise LayoutError(f"{where}: alignment on {field.kind}")
    if field.temporal and field.kind != "number":
        raise LayoutError(f"{where}: date/time on a non-number")
    if field.name == "_" and field.kind != "text":
        raise LayoutError(f"{where}: filler must be text")


NAME_RE = re.compile(r"([A-Za-z_]\w*)(?:\[([^\]]*)\])?")


def parse_repeat(spec, where):
    spec = spec.strip()
    if re.fullmatch(r"\d+", spec):
        return ("fixed", int(spec))
    m = re.fullmatch(r"([A-Za-z_]\w*)\s*,\s*(max|slots)\s*=\s*(\d+)", spec)
    if not m:
        raise LayoutError(f"{where}: bad repeat [{spec}]")
    return (m.group(2), m.group(1), int(m.group(3)))


CONDITION = re.compile(r'([A-Za-z_][\w.]*)\s*(?:=\s*"([^"]*)"|in\s*\(([^)]*)\))')


def parse_when(text, where):
    conditions = []
    rest = text
    while True:
        m = CONDITION.match(rest)
        if not m:
            raise LayoutError(f"{where}: bad condition {rest!r}")
        if m.group(2) is not None:
            literals = [m.group(2)]
        else:
            literals = re.findall(r'"([^"]*)"', m.group(3))
            if not literals:
                raise LayoutError(f"{where}: empty list")
        conditions.append((m.group(1), literals))
        rest = rest[m.end() :].strip()
        if not rest:
            return conditions
        if not rest.startswith("and "):
            raise LayoutError(f"{where}: expected 'and' before {rest!r}")
        rest = rest[4:].strip()


def read_layout(path):
    name = os.path.basename(path)[: -len(".layout")]
    layout = Layout(name)
    stack = []  # open scopes: Scope, then group Fields
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for lineno, original in enumerate(lines, 1):
        where = f"{name}.layout:{lineno}"
        line = strip_comment(original)
        if not line:
            continue
        if not stack:
            m = re.fullmatch(r"(record|message)\s+([A-Za-z_]\w*)(?:\s+(\d+))?\s*\{", line)
            if m:
                scope = Scope(m.group(1), m.group(2), int(m.group(3)) if m.group(3) else None, lineno)
                table = layout.records if scope.kind == "record" else layout.messages
                if scope.name in layout.records or scope.name in layout.messages:
                    raise LayoutError(f"{where}: duplicate name {scope.name}")
                table[scope.name] = scope
                stack.append(scope)
                continue
            words = line.split()
            if words[0] == "encoding" and len(words) == 2 and words[1] in CODECS:
                layout.encoding = words[1]
            elif words[0] == "framing":
                layout.framing = words[1:]
            elif words[0] == "key":
                layout.keys = words[1:]
            elif words[0] == "check":
                # Batch checks constrain the data written below; they add no field.
                pass
            else:
                raise LayoutError(f"{where}: unknown directive {line!r}")
            continue
        if line == "}":
            stack.pop()
            continue
        scope = stack[-1]
        fields = scope.fields if isinstance(scope, Scope) else scope.children
        if line.startswith("when "):
            if not isinstance(scope, Scope) or scope.kind != "message" or fields:
                raise LayoutError(f"{where}: 'when' belongs at the top of a message")
            scope.conditions.extend(parse_when(line[5:].strip(), where))
            continue
        # `answers NAME...` and a message's own `key PATH...` say how responses match
        # requests; they add no field. (`answers X(2)` is a field: a type follows.)
        head = line.split()
        if (
            isinstance(scope, Scope)
            and scope.kind == "message"
            and not fields
            and head[0] in ("answers", "key")
            and len(head) > 1
            and not re.match(r"(X|AN|G|9|N|S9|SN|B|V)\(|[A-Z0-9]+\(", head[1])
        ):
            continue
        m = NAME_RE.match(line)
        if not m:
            raise LayoutError(f"{where}: expected a field")
        field = Field(m.group(1), lineno)
        if m.group(2) is not None:
            field.repeat = parse_repeat(m.group(2), where)
        rest = line[m.end() :].strip()
        if field.name != "_" and any(f.name == field.name for f in fields):
            raise LayoutError(f"{where}: duplicate field {field.name}")
        if rest == "{":
            if field.repeat is None:
                raise LayoutError(f"{where}: a block needs a repeat")
            field.kind = "group"
            field.children = []
            fields.append(field)
            stack.append(field)
            continue
        tokens = tokenize(rest, where)
        if not tokens or tokens[0][0] != "word":
            raise LayoutError(f"{where}: expected a type")
        parse_type(field, tokens[0][1], layout, where)
        parse_attributes(field, tokens[1:], where)
        finish_field(field, where)
        if field.name != "_" and field.kind != "record" and field.desc is None:
            raise LayoutError(f"{where}: every field has a Korean description here")
        fields.append(field)
    if stack:
        raise LayoutError(f"{name}.layout: unclosed block")
    check_layout(layout)
    return layout


# --------------------------------------------------------------------------------------
# Load-time checks


def group_width(field):
    return sum(occupied_width(f) for f in field.children)


def occupied_width(field):
    """Bytes the field takes in a fixed-length scope; None when it varies."""
    one = group_width(field) if field.kind == "group" else field.width
    if field.repeat is None:
        return one
    if field.repeat[0] == "fixed":
        return one * field.repeat[1]
    if field.repeat[0] == "slots":
        return one * field.repeat[2]
    return None  # max=: as many as the count says


def fixed_length(fields):
    total = 0
    for f in fields:
        w = occupied_width(f)
        if w is None:
            return None
        total += w
    return total


def positions(fields, base=0, prefix=""):
    """Offsets of the fields that sit at a fixed place: path -> (offset, width)."""
    out = {}
    offset = base
    for f in fields:
        path = prefix + f.name
        if f.repeat is None:
            if f.kind == "record":
                out.update(positions(f.children, offset, path + "."))
            elif f.name != "_":
                out[path] = (offset, f.width)
        w = occupied_width(f)
        if w is None:
            break
        offset += w
    return out


def check_layout(layout):
    for scope in list(layout.records.values()) + list(layout.messages.values()):
        total = fixed_length(scope.fields)
        if scope.length is not None and total != scope.length:
            raise LayoutError(f"{layout.name}.layout:{scope.line}: {scope.name} declares {scope.length} bytes, fields make {total}")
        check_counts(layout, scope.fields)
    messages = list(layout.messages.values())
    if len(messages) > 1 and any(not m.conditions for m in messages):
        raise LayoutError(f"{layout.name}.layout: a message without 'when' beside others")
    places = [positions(m.fields) for m in messages]
    for m in messages:
        for path, literals in m.conditions:
            spots = {p.get(path) for p in places}
            if None in spots or len(spots) != 1:
                raise LayoutError(f"{layout.name}.layout:{m.line}: condition field {path} is not at one offset in every message")
            (offset, width), = spots
            for lit in literals:
                if len(lit.encode(layout.codec)) != width:
                    raise LayoutError(f"{layout.name}.layout:{m.line}: literal {lit!r} is not {width} bytes")
    for i, a in enumerate(messages):
        for b in messages[i + 1 :]:
            if len(a.conditions) != len(b.conditions):
                continue
            ca, cb = dict(a.conditions), dict(b.conditions)
            disjoint = any(p in cb and not set(ca[p]) & set(cb[p]) for p in ca)
            if not disjoint:
                raise LayoutError(f"{layout.name}.layout: {a.name} and {b.name} can match the same telegram")
    for key in layout.keys:
        for m, p in zip(messages, places):
            if key not in p:
                raise LayoutError(f"{layout.name}.layout: key {key} is not in {m.name}")


def check_counts(layout, fields):
    seen = {}
    for f in fields:
        if f.repeat and f.repeat[0] in ("max", "slots"):
            count = seen.get(f.repeat[1])
            if count is None or count.kind != "number" or count.scale or count.signed or count.repeat:
                raise LayoutError(f"{layout.name}.layout:{f.line}: count {f.repeat[1]} must be an earlier plain number")
            if f.repeat[2] > 10 ** count.digits - 1:
                raise LayoutError(f"{layout.name}.layout:{f.line}: count field too narrow")
        if f.children and f.kind == "group":
            check_counts(layout, f.children)
        seen[f.name] = f


# --------------------------------------------------------------------------------------
# Field codecs: value (as in JSON) -> bytes, and bytes -> value


MISSING = object()


def encode_text_chars(text, layout, path):
    out = bytearray()
    for ch in text:
        if ord(ch) < 0x20 or ord(ch) == 0x7F:
            raise SampleError(f"{path}: control character in text")
        try:
            b = ch.encode(layout.codec)
        except UnicodeEncodeError:
            raise SampleError(f"{path}: {ch!r} is not in {layout.encoding}")
        # Python's euc_kr writes syllables outside KS X 1001 as 8-byte make-up
        # sequences (A4D4 + jamo); strict EUC-KR has no such character.
        if layout.encoding == "euc-kr" and len(b) > 2:
            raise SampleError(f"{path}: {ch!r} is not in KS X 1001 (EUC-KR); it needs cp949")
        out += b
    return bytes(out)


def decode_text_chars(data, layout, path):
    try:
        text = data.decode(layout.codec)
    except UnicodeDecodeError as e:
        raise SampleError(f"{path}: undecodable bytes {data!r}: {e}")
    if encode_text_chars(text, layout, path) != data:
        raise SampleError(f"{path}: bytes do not round-trip: {data!r}")
    return text


def parse_temporal(field, value, path):
    """A JSON date/time string -> the digits on the wire, checking the value is real."""
    try:
        return _parse_temporal(field, value, path)
    except (ValueError, AttributeError):  # no match, or a date that does not exist
        raise SampleError(f"{path}: {value!r} is not a valid {field.temporal[0]}({field.temporal[1]})")


def _parse_temporal(field, value, path):
    kind, pattern = field.temporal
    if kind == "date" and pattern == "YYYYMMDD":
        m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value)
        y, mo, d = (int(g) for g in m.groups()) if m else (0, 0, 0)
        datetime.date(y, mo, d)
        return f"{y:04d}{mo:02d}{d:02d}"
    if kind == "date" and pattern == "YYMMDD":
        m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value)
        y, mo, d = (int(g) for g in m.groups())
        datetime.date(y, mo, d)
        if not 1969 <= y <= 2068:
            raise SampleError(f"{path}: {y} does not fit YY (1969-2068)")
        return f"{y % 100:02d}{mo:02d}{d:02d}"
    if kind == "time" and pattern == "hhmmss":
        m = re.fullmatch(r"(\d{2}):(\d{2}):(\d{2})", value)
        h, mi, s = (int(g) for g in m.groups())
        datetime.time(h, mi, s)
        return f"{h:02d}{mi:02d}{s:02d}"
    if kind == "time" and pattern == "hhmm":
        m = re.fullmatch(r"(\d{2}):(\d{2})", value)
        h, mi = (int(g) for g in m.groups())
        datetime.time(h, mi)
        return f"{h:02d}{mi:02d}"
    if kind == "datetime" and pattern == "YYYYMMDDhhmmss":
        m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})", value)
        parts = [int(g) for g in m.groups()]
        datetime.datetime(*parts)
        return "{:04d}{:02d}{:02d}{:02d}{:02d}{:02d}".format(*parts)
    raise SampleError(f"{path}: pattern {kind}({pattern}) not supported")


def format_temporal(field, digits, path):
    kind, pattern = field.temporal
    if kind == "date" and pattern == "YYYYMMDD":
        value = f"{digits[0:4]}-{digits[4:6]}-{digits[6:8]}"
    elif kind == "date" and pattern == "YYMMDD":
        yy = int(digits[0:2])
        value = f"{2000 + yy if yy <= 68 else 1900 + yy:04d}-{digits[2:4]}-{digits[4:6]}"
    elif kind == "time" and pattern == "hhmmss":
        value = f"{digits[0:2]}:{digits[2:4]}:{digits[4:6]}"
    elif kind == "time" and pattern == "hhmm":
        value = f"{digits[0:2]}:{digits[2:4]}"
    elif kind == "datetime":
        value = f"{digits[0:4]}-{digits[4:6]}-{digits[6:8]}T{digits[8:10]}:{digits[10:12]}:{digits[12:14]}"
    else:
        raise SampleError(f"{path}: pattern not supported")
    if parse_temporal(field, value, path) != digits:  # raises on a date that does not exist
        raise SampleError(f"{path}: {digits} is not a valid {kind}")
    return value


def number_to_digits(field, value, path):
    """A JSON number value -> (negative, digit string without sign or point)."""
    if field.scale == 0:
        if type(value) is not int:
            raise SampleError(f"{path}: expected an integer, got {value!r}")
        negative, magnitude = value < 0, str(abs(value))
    else:
        if not isinstance(value, str):
            raise SampleError(f"{path}: a decimal is a string, got {value!r}")
        m = re.fullmatch(r"(-?)(0|[1-9]\d*)\.(\d+)", value)
        if not m or len(m.group(3)) != field.scale:
            raise SampleError(f"{path}: {value!r} is not a decimal with {field.scale} places")
        negative = m.group(1) == "-"
        magnitude = (m.group(2) + m.group(3)).lstrip("0") or "0"
        if negative and magnitude == "0":
            raise SampleError(f"{path}: negative zero has no canonical spelling")
    if negative and not field.signed:
        raise SampleError(f"{path}: negative value in an unsigned field")
    if len(magnitude) > field.digits:
        raise SampleError(f"{path}: {value!r} does not fit {field.digits} digits")
    return negative, magnitude


def encode_field(field, value, layout, path):
    """One occurrence of a leaf field: value as in JSON -> exactly field.width bytes."""
    if value is MISSING:
        if field.const is not None:
            value = field.const
        elif field.default is not None:
            value = field.default
        else:
            raise SampleError(f"{path}: no value given")
    if field.const is not None and value != field.const:
        raise SampleError(f"{path}: constant {field.const!r}, got {value!r}")
    w = field.width
    if field.kind == "text":
        if not isinstance(value, str):
            raise SampleError(f"{path}: text expected")
        data = encode_text_chars(value, layout, path)
        if field.raw:
            if len(data) != w:
                raise SampleError(f"{path}: raw value must be exactly {w} bytes")
            return data
        if len(data) > w:
            raise SampleError(f"{path}: {value!r} is {len(data)} bytes, more than {w}")
        if field.required and not value:
            raise SampleError(f"{path}: required")
        pad = field.pad.encode(layout.codec) * (w - len(data))
        if field.align == "left":
            if value != value.rstrip(field.pad):
                raise SampleError(f"{path}: trailing pad in a left-aligned value")
            return data + pad
        if value != value.lstrip(field.pad):
            raise SampleError(f"{path}: leading pad in a right-aligned value")
        return pad + data
    if field.kind == "gtext":
        if not isinstance(value, str) or value != value.rstrip(FULLWIDTH_SPACE):
            raise SampleError(f"{path}: G text must be a string without trailing full-width spaces")
        data = bytearray()
        for ch in value:
            b = encode_text_chars(ch, layout, path)
            if len(b) != 2:
                raise SampleError(f"{path}: {ch!r} is not a double-byte character")
            data += b
        if len(data) > w:
            raise SampleError(f"{path}: {value!r} is {len(data)} bytes, more than {w}")
        pad = FULLWIDTH_SPACE.encode(layout.codec)
        return bytes(data) + pad * ((w - len(data)) // 2)
    if field.kind == "bytes":
        if not isinstance(value, str) or not re.fullmatch(r"[0-9a-f]*", value) or len(value) != 2 * w:
            raise SampleError(f"{path}: expected {2 * w} lowercase hex digits")
        return bytes.fromhex(value)
    if field.kind == "number":
        if value is None:
            if field.required:
                raise SampleError(f"{path}: required")
            return b" " * w
        if field.temporal:
            if not isinstance(value, str):
                raise SampleError(f"{path}: a date/time is a string")
            return parse_temporal(field, value, path).encode("ascii")
        negative, magnitude = number_to_digits(field, value, path)
        if field.align == "left":
            return magnitude.ljust(field.digits).encode("ascii")
        digits = magnitude.rjust(field.digits, "0")
        sign = "-" if negative else "+"
        if field.sign == "leading":
            digits = sign + digits
        elif field.sign == "trailing":
            digits = digits + sign
        elif field.sign == "overpunch":
            table = OVERPUNCH_NEG if negative else OVERPUNCH_POS
            digits = digits[:-1] + table[int(digits[-1])]
        return digits.encode("ascii")
    raise SampleError(f"{path}: cannot encode kind {field.kind}")


def decode_field(field, data, layout, path):
    """Exactly field.width bytes -> the value as in JSON; rejects non-canonical bytes."""
    w = field.width
    assert len(data) == w
    if field.kind == "text":
        text = decode_text_chars(data, layout, path)
        if field.raw:
            value = text
        elif field.align == "left":
            value = text.rstrip(field.pad)
        else:
            value = text.lstrip(field.pad)
        if field.name == "_" and value:
            raise SampleError(f"{path}: filler is not blank")
        if field.required and not value:
            raise SampleError(f"{path}: required")
        if field.const is not None and value != field.const:
            raise SampleError(f"{path}: constant {field.const!r}, found {value!r}")
        return value
    if field.kind == "gtext":
        text = decode_text_chars(data, layout, path)
        for ch in text:
            if len(ch.encode(layout.codec)) != 2:
                raise SampleError(f"{path}: {ch!r} is not double-byte")
        return text.rstrip(FULLWIDTH_SPACE)
    if field.kind == "bytes":
        return data.hex()
    if field.kind == "number":
        s = data.decode("ascii")
        if s == " " * w:
            if field.required:
                raise SampleError(f"{path}: required")
            return None
        if field.temporal:
            if not s.isdigit():
                raise SampleError(f"{path}: {s!r} is not digits")
            return format_temporal(field, s, path)
        negative = False
        if field.align == "left":
            digits = s.rstrip(" ")
            if not digits.isdigit() or digits != (digits.lstrip("0") or "0"):
                raise SampleError(f"{path}: {s!r} is not a canonical left-aligned number")
        elif field.sign == "leading":
            negative, digits = s[0] == "-", s[1:]
            if s[0] not in "+-":
                raise SampleError(f"{path}: sign byte {s[0]!r}")
        elif field.sign == "trailing":
            negative, digits = s[-1] == "-", s[:-1]
            if s[-1] not in "+-":
                raise SampleError(f"{path}: sign byte {s[-1]!r}")
        elif field.sign == "overpunch":
            last = s[-1]
            if last in OVERPUNCH_POS:
                digits = s[:-1] + str(OVERPUNCH_POS.index(last))
            elif last in OVERPUNCH_NEG:
                negative, digits = True, s[:-1] + str(OVERPUNCH_NEG.index(last))
            else:
                raise SampleError(f"{path}: overpunch byte {last!r}")
        else:
            digits = s
        if not digits.isdigit():
            raise SampleError(f"{path}: {s!r} is not digits")
        magnitude = int(digits)
        if negative and magnitude == 0:
            raise SampleError(f"{path}: negative zero is not canonical")
        if field.scale == 0:
            return -magnitude if negative else magnitude
        whole, frac = divmod(magnitude, 10 ** field.scale)
        return f"{'-' if negative else ''}{whole}.{frac:0{field.scale}d}"
    raise SampleError(f"{path}: cannot decode kind {field.kind}")


# --------------------------------------------------------------------------------------
# Scopes: the layout walk shared by encode and decode


def occurrences(field, siblings_json, path):
    """How many occurrences are present on the wire and how many decode."""
    if field.repeat is None:
        return None
    kind = field.repeat[0]
    if kind == "fixed":
        return field.repeat[1], field.repeat[1]
    count = siblings_json.get(field.repeat[1])
    if type(count) is not int:
        raise SampleError(f"{path}: count {field.repeat[1]} is not a number")
    limit = field.repeat[2]
    if count > limit:
        raise SampleError(f"{path}: count {count} exceeds {limit}")
    return (count, count) if kind == "max" else (limit, count)


def encode_one(field, value, layout, path):
    """One occurrence -> (bytes, JSON value)."""
    if field.kind in ("record", "group"):
        if not isinstance(value, dict):
            raise SampleError(f"{path}: object expected")
        return encode_scope(field.children, value, layout, path + ".")
    data = encode_field(field, value, layout, path)
    return data, decode_field(field, data, layout, path)


def encode_scope(fields, values, layout, prefix):
    out = bytearray()
    result = {}
    names = [f.name for f in fields if f.name != "_"]
    unknown = set(values) - set(names)
    if unknown:
        raise SampleError(f"{prefix}: values for no field: {sorted(unknown)}")
    for field in fields:
        path = prefix + field.name
        if field.name == "_":
            out += encode_field(field, "", layout, path)
            continue
        value = values.get(field.name, MISSING)
        reps = occurrences(field, result, path)
        if reps is None:
            data, result[field.name] = encode_one(field, value, layout, path)
            out += data
            continue
        present, used = reps
        if not isinstance(value, list) or len(value) != used:
            raise SampleError(f"{path}: expected a list of {used}")
        items = []
        for i, item in enumerate(value):
            data, decoded = encode_one(field, item, layout, f"{path}[{i}]")
            out += data
            items.append(decoded)
        one = group_width(field) if field.kind == "group" else field.width
        out += b" " * (one * (present - used))  # unused slots are all spaces
        result[field.name] = items
    return bytes(out), result


def decode_scope(fields, data, pos, layout, prefix):
    result = {}
    for field in fields:
        path = prefix + field.name
        reps = occurrences(field, result, path)
        if reps is None:
            value, pos = decode_one(field, data, pos, layout, path)
            if field.name != "_":
                result[field.name] = value
            continue
        present, used = reps
        items = []
        for i in range(present):
            if i < used:
                value, pos = decode_one(field, data, pos, layout, f"{path}[{i}]")
                items.append(value)
            else:
                one = group_width(field) if field.kind == "group" else field.width
                if data[pos : pos + one] != b" " * one:
                    raise SampleError(f"{path}[{i}]: an unused slot is not blank")
                pos += one
        result[field.name] = items
    return result, pos


def decode_one(field, data, pos, layout, path):
    if field.kind in ("record", "group"):
        return decode_scope(field.children, data, pos, layout, path + ".")
    chunk = data[pos : pos + field.width]
    if len(chunk) != field.width:
        raise SampleError(f"{path}: telegram too short")
    return decode_field(field, chunk, layout, path), pos + field.width


def choose_message(layout, telegram):
    """The message whose every condition holds; the most specific one wins."""
    candidates = []
    for m in layout.messages.values():
        spots = positions(m.fields)
        ok = True
        for path, literals in m.conditions:
            offset, width = spots[path]
            if telegram[offset : offset + width] not in [lit.encode(layout.codec) for lit in literals]:
                ok = False
        if ok:
            candidates.append(m)
    if not candidates:
        raise SampleError("no message matches")
    best = max(len(m.conditions) for m in candidates)
    winners = [m for m in candidates if len(m.conditions) == best]
    if len(winners) != 1:
        raise SampleError(f"ambiguous: {[m.name for m in winners]}")
    return winners[0]


# --------------------------------------------------------------------------------------
# Framing


def frame(layout, telegrams, line_end):
    kind = layout.framing
    if kind == ["lines"]:
        return b"".join(t + line_end for t in telegrams)
    if kind[0] == "length-prefix":
        size, form = int(kind[1]), kind[2]
        inclusive = kind[3:] == ["inclusive"]
        out = bytearray()
        for t in telegrams:
            n = len(t) + (size if inclusive else 0)
            if form == "ascii":
                if n >= 10 ** size:
                    raise SampleError("length does not fit the prefix")
                out += str(n).rjust(size, "0").encode("ascii")
            elif form == "binary":
                out += struct.pack({2: ">H", 4: ">I"}[size], n)
            else:
                raise SampleError(f"framing {kind}")
            out += t
        return bytes(out)
    raise SampleError(f"framing {kind} not supported here")


def unframe(layout, data, line_end):
    kind = layout.framing
    if kind == ["lines"]:
        parts = data.split(line_end)
        if parts[-1] != b"":
            raise SampleError("last record has no line end")
        parts = parts[:-1]
        if line_end == b"\n" and any(p.endswith(b"\r") for p in parts):
            raise SampleError("CR in an LF file")
        return parts
    size, form = int(kind[1]), kind[2]
    inclusive = kind[3:] == ["inclusive"]
    out = []
    pos = 0
    while pos < len(data):
        head = data[pos : pos + size]
        if form == "ascii":
            if not head.isdigit():
                raise SampleError(f"bad ascii length {head!r}")
            n = int(head)
        else:
            n = struct.unpack({2: ">H", 4: ">I"}[size], head)[0]
        if inclusive:
            n -= size
        out.append(data[pos + size : pos + size + n])
        pos += size + n
    return out


# --------------------------------------------------------------------------------------
# The samples


def header(msg_code, task_code, seq_no, send_time, resp_code, send_date="2024-03-15"):
    """The firm-banking common header (공통부) of the contract's example."""
    return {
        "system_id": "",
        "company_id": "TESTCO0001",
        "bank_code": 4,
        "msg_code": msg_code,
        "task_code": task_code,
        "send_count": 1,
        "seq_no": seq_no,
        "send_date": send_date,
        "send_time": send_time,
        "resp_code": resp_code,
        "reserved": " " * 44,
    }


TRANSFER = {
    "debit_acct": "1002003004005",
    "password": "4321",
    "verify_code": "AB12CD",
    "amount": 10000,
    "balance": None,
    "credit_bank": 88,
    "credit_acct": "110222333444",
    "fee": None,
    "cms_code": "",
    "memo": "급여",
    "holder_id": "800101",
    "holder_name": "홍길동",
    "orig_seq_no": "",
    "fee_waiver": "N",
    "fund_type": "",
}

BALANCE_INQUIRY = {
    "account": "1002003004005",
    "password": "4321",
    "currency": "KRW",
    "balance": None,
    "available": None,
    "loan_limit": None,
    "last_txn_date": None,
    "holder_name": "",
}

FIRMBANKING = [
    # The three samples of the contract (the same bytes as its examples).
    ("transfer-request", "transfer", {"header": header("2000", "100", 123, "09:30:15", ""), **TRANSFER}),
    (
        "transfer-response",
        "transfer",
        {"header": header("2100", "100", 123, "09:30:15", "0000"), **TRANSFER, "balance": -2500, "fee": 500},
    ),
    (
        "balance-history",
        "balance_history",
        {
            "header": header("7100", "300", 124, "09:30:15", "0000"),
            "account": "1002003004005",
            "count": 2,
            "items": [
                {"date": "2024-03-14", "time": "10:15:00", "kind": "입", "amount": 150000, "memo": "급여"},
                {"date": "2024-03-15", "time": "08:30:00", "kind": "출", "amount": -32000, "memo": "관리비"},
            ],
        },
    ),
    # 잔액조회 요청: bank-filled amounts and dates blank (null), holder name blank.
    (
        "balance-inquiry-request",
        "balance_inquiry",
        {"header": header("3000", "200", 125, "10:00:00", ""), **BALANCE_INQUIRY},
    ),
    # 잔액조회 응답: a minus account (마이너스통장) in overdraft.
    (
        "balance-inquiry-response",
        "balance_inquiry",
        {
            "header": header("3100", "200", 125, "10:00:00", "0000"),
            **BALANCE_INQUIRY,
            "balance": -1250000,
            "available": 3750000,
            "loan_limit": 5000000,
            "last_txn_date": "2024-03-14",
            "holder_name": "(주)한빛상사",
        },
    ),
]


def cms_data(seq, bank, account, amount, holder_id, depositor, memo, adjust, unpaid, result):
    return {
        "seq": seq,
        "bank_code": bank,
        "account": account,
        "amount": amount,
        "holder_id": holder_id,
        "depositor": depositor,
        "memo": memo,
        "adjust": adjust,
        "unpaid": unpaid,
        "result_code": result,
    }


# A result file (처리결과): the bank has filled the result codes and trailer results.
CMS_RESULT_FILE = [
    (
        "file_header",
        {
            "seq": 0,
            "company_id": "HANBIT0001",
            "bank_code": 4,
            "file_date": "2024-03-15",
            "transfer_date": "2024-03-18",
            "debit_acct": "100200300400",
            "company_name": "(주)한빛상사",
            "file_no": 1,
        },
    ),
    # sign trailing: 1500+, 300-, 0+;  overpunch: -35000 ends in '}' (minus zero digit),
    # +12345 ends in 'E', 0 is '{'.
    ("data_record", cms_data(1, 88, "110222333444", 2500000, "8001011234567", "홍길동", "3월급여", 1500, -35000, "0000")),
    ("data_record", cms_data(2, 4, "94370200123456", 1830000, "", "김영희", "3월급여", -300, 12345, "0000")),
    ("data_record", cms_data(3, 20, "1002987654321", 720500, "1208147521", "주식회사 대한물산", "관리비환급금", 0, 0, "E101")),
]

# A request file (의뢰) with LF line ends, dated 1999 (YY 99 is 1999): results blank.
CMS_REQUEST_FILE_LF = [
    (
        "file_header",
        {
            "seq": 0,
            "company_id": "HANBIT0001",
            "bank_code": 4,
            "file_date": "1999-12-30",
            "transfer_date": "1999-12-31",
            "debit_acct": "100200300400",
            "company_name": "(주)한빛상사",
            "file_no": 2,
        },
    ),
    ("data_record", cms_data(1, 3, "01012345678901", 99999, "", "이순신", "", 0, None, "")),
    ("data_record", cms_data(2, 81, "12391000456", 1000000, "7503152234567", "세종상회", "상여금", None, -7, "")),
]


def cms_trailer(records, seq, results):
    data = [v for m, v in records if m == "data_record"]
    trailer = {
        "seq": seq,
        "company_id": records[0][1]["company_id"],
        "total_count": len(data),
        "total_amount": sum(v["amount"] for v in data),
        "ok_count": None,
        "ok_amount": None,
        "fail_count": None,
        "fail_amount": None,
    }
    if results:
        ok = [v for v in data if v["result_code"] == "0000"]
        bad = [v for v in data if v["result_code"] != "0000"]
        trailer.update(
            ok_count=len(ok),
            ok_amount=sum(v["amount"] for v in ok),
            fail_count=len(bad),
            fail_amount=sum(v["amount"] for v in bad),
        )
    return records + [("file_trailer", trailer)]


CMS = [
    ("batch-file", cms_trailer(CMS_RESULT_FILE, 4, results=True), b"\r\n"),
    ("batch-file-lf", cms_trailer(CMS_REQUEST_FILE_LF, 3, results=False), b"\n"),
]


MEMBER = [
    # 똠, 쌰, 햏, 뷁 are CP949-only; 똠 is 8C 63 and 쌰 9B 58: their trail bytes are
    # ASCII letters. The MAC holds 0x00, A1A1
    # and a last byte 0x20 that are neither text nor pad.
    (
        "member-register",
        "member_register",
        {
            "trace_no": 2403150001,
            "reg_datetime": "2024-03-15T11:20:45",
            "merchant_id": "MCH7788",
            "member_seq": 123,
            "member_name": "김똠쌰",
            "member_name_fw": "ＫＩＭ　똠쌰",
            "birth_date": "1988-02-29",
            "phone": "010-1234-5678",
            "bank_code": 4,
            "account": "94370200123456",
            "holder_name": "김똠쌰",
            "daily_limit": 5000000,
            "address": "서울특별시 중구 햏햏로 12, 뷁빌딩 3층",
            "mac": "00ff7aa1a18c6320",
        },
    ),
    # Mostly blank: optional text "", numbers and date null, G all A1A1 (""),
    # the right-aligned merchant id blank, the left-aligned member number null.
    # The currency is absent from the values: encode writes its default "KRW".
    (
        "member-register-blank",
        "member_register",
        {
            "trace_no": 2403150002,
            "reg_datetime": "2024-03-15T11:21:03",
            "merchant_id": "",
            "member_seq": None,
            "member_name": "박햏",
            "member_name_fw": "",
            "birth_date": None,
            "phone": "",
            "bank_code": 88,
            "account": "110222333444",
            "holder_name": "박햏",
            "daily_limit": None,
            "address": "",
            "mac": "0000000000000000",
        },
    ),
    # Five-digit member number (no pad), foreign currency, a G field filled to the
    # last byte (no A1A1 pad) with a full-width digit, and a holder name that ends
    # on the field's last byte with 똠 (8C 63).
    (
        "member-register-usd",
        "member_register",
        {
            "trace_no": 9999999999,
            "reg_datetime": "2024-12-31T23:59:59",
            "merchant_id": "M1",
            "member_seq": 12345,
            "member_name": "뷁스튜디오 펲샾",
            "member_name_fw": "똠양꿍스튜디오２호점",
            "birth_date": "2000-01-01",
            "phone": "+82-10-9876-543",
            "bank_code": 81,
            "account": "12391000456",
            "holder_name": "스튜디오뷁 대표 이똠",
            "currency": "USD",
            "daily_limit": 999999999999,
            "address": "부산광역시 해운대구 쌰로 7 놰빌딩",
            "mac": "deadbeef01020304",
        },
    ),
]


def remittance(**over):
    base = {
        "msg_code": "0100",
        "ref_no": "FX20240315000001",
        "timestamp": "2024-03-15T14:05:30",
        "value_date": "2024-03-15",
        "currency": "USD",
        "remit_amount": "12500.750",
        "krw_amount": None,
        "rate": None,
        "remitter_name": "홍길동",
        "remitter_id": "8001011234567",
        "bene_name": "JOHN SMITH",
        "addr": ["1200 MARKET STREET APT 5B", "SAN FRANCISCO CA 94102", ""],
        "bene_acct": "000123456789",
        "bene_bic": "BOFAUS3NXXX",
        "intermediary": [
            {"bic": "CHASUS33XXX", "name": "JPMORGAN CHASE BANK NA NEW YORK"},
            {"bic": "", "name": ""},
        ],
        "purpose_code": "EDU",
        "purpose_text": "유학생 학비 송금",
        "count": 0,
        "charges": [],
        "resp_code": "",
    }
    base.update(over)
    return base


FOREX = [
    # Request: rate and KRW amount blank (null), no charges (five blank slots).
    ("remittance-request", "remittance", remittance()),
    # Response: two charges, one a discount (negative); the other slots blank.
    (
        "remittance-response",
        "remittance",
        remittance(
            msg_code="0110",
            krw_amount="16819759.125",  # 12500.750 x 1345.5000
            rate="1345.5000",
            count=2,
            charges=[
                {"code": "COM", "amount": "15000.000"},
                {"code": "DSC", "amount": "-7500.500"},
            ],
            resp_code="0000",
        ),
    ),
    # All five slots used, a zero charge ('+' before zero), both intermediaries,
    # Hangul in every free-text field, three address lines, EUR with a small rate.
    (
        "remittance-five-charges",
        "remittance",
        remittance(
            msg_code="0110",
            ref_no="FX20241231009876",
            timestamp="2024-12-31T09:00:00",
            value_date="2025-01-02",
            currency="EUR",
            remit_amount="0.010",
            krw_amount="14.521",  # 0.010 x 1452.1800, cut to 3 places
            rate="1452.1800",
            remitter_name="주식회사 한빛무역 대표 홍길동",
            remitter_id="1208147521",
            bene_name="MUELLER GMBH",
            addr=["HAUPTSTRASSE 1", "10115 BERLIN", "GERMANY"],
            bene_acct="DE89370400440532013000",
            bene_bic="COBADEFFXXX",
            intermediary=[
                {"bic": "DEUTDEFFXXX", "name": "DEUTSCHE BANK AG FRANKFURT"},
                {"bic": "CITIUS33XXX", "name": "CITIBANK NA NEW YORK"},
            ],
            purpose_code="TRD",
            purpose_text="수입대금 결제(계약번호 2024-77)",
            count=5,
            charges=[
                {"code": "COM", "amount": "10000.000"},
                {"code": "TEL", "amount": "8000.000"},
                {"code": "OUR", "amount": "25.125"},
                {"code": "DSC", "amount": "-5000.000"},
                {"code": "ETC", "amount": "0.000"},
            ],
            resp_code="0000",
        ),
    ),
]


def card(**over):
    base = {
        "msg_type": "0200",
        "issuer": "011",
        "terminal_id": "T123456789",
        "trace_no": 1,
        "txn_datetime": "2024-03-15T12:34:56",
        "card_no": "9410123456781234",
        "expiry": "2812",
        "installment": 0,
        "amount": 8500,
        "merchant_no": "7001234567",
        "merchant_name": "김밥천국·신촌점",
        "approval_no": "",
        "resp_code": "",
    }
    base.update(over)
    return base


CARD = [
    # Generic approval request: approval number and response code blank. The middle
    # dot is 2 bytes in UTF-8, the Hangul 3 each.
    ("approval-request", "approval", card()),
    # Issuer 041: the more specific message wins. The merchant name fills its 45
    # bytes (15 syllables). issuer_data is raw: kept with its leading and trailing
    # spaces.
    (
        "approval-041-response",
        "approval_041",
        card(
            issuer="041",
            trace_no=482911,
            txn_datetime="2024-03-15T19:02:07",
            card_no="5310987654321098",
            expiry="2701",
            installment=3,
            amount=1250000,
            merchant_no="7009876543",
            merchant_name="스타벅스코리아강남대로사거리점",
            approval_no="30012345",
            resp_code="00",
            point_amount=2000,
            point_balance=15300,
            issuer_data="  VAN-7   ",
        ),
    ),
    # Cancel (원거래 취소): the original time as hh:mm.
    (
        "cancel-request",
        "cancel",
        {
            "msg_type": "0420",
            "issuer": "088",
            "terminal_id": "T123456789",
            "trace_no": 2,
            "txn_datetime": "2024-03-16T00:05:00",
            "card_no": "9410123456781234",
            "amount": 8500,
            "orig_date": "2024-03-15",
            "orig_time": "12:34",
            "orig_approval": "00412345",
            "reason": "고객 요청에 의한 취소",
            "resp_code": "",
        },
    ),
]

ORDER = {
    "tr_code": "0100",
    "account": "20112345601",
    "branch": "031",
    "order_no": 1000234,
    "orig_order_no": None,
    "order_date": "2024-03-15",
    "order_time": "09:00:01",
    "isin": "KR7005930003",
    "market": "KS",
    "side": "B",
    "order_type": "00",
    "quantity": 150,
    "price": 72800,
    "condition": "0",
    "channel": "HT",
    "ip_addr": "203.0.113.57",
    "mac_addr": "00163E5A2B7C",
    "user_id": "TRADER0042",
    "resp_code": "",
}

CUSTOMER = {
    "tr_code": "0200",
    "account": "20112345601",
    "name": "홍길동",
    "name_fw": "홍길동",
    "birth_date": "1980-01-01",
    "phone": "01012345678",
    "zip_code": "07327",
    "address": "서울특별시 영등포구 여의대로 108 파크원타워",
    "address_detail": "제2동 31층 한빛증권 여의도센터",
    "employer": "주식회사 한빛무역 재무팀",
    "job_title": "과장",
    "branch_name": "여의도지점",
    "manager": "김영희",
    "risk_grade": "적극투자형",
    "memo": "연금저축 이전 상담 희망, 오후 3시 이후 연락",
    "resp_code": "",
}

SETTLEMENT = {
    "tr_code": "0300",
    "account": "20112345601",
    "trade_date": "2024-03-15",
    "settle_date": "2024-03-19",
    "isin": "US0378331005",
    "quantity": 150,
    "price": "172.50",
    "gross_amount": 34769531,
    "commission": "6953.90",
    "tax": -1250,
    "fx_rate": "1343.7500",
    "foreign_amount": "-25875.00",
    "pnl": -1584210,
    "pnl_rate": "-4.3562",
    "accrued": "12.07",
    "net_amount": -34777734,
    "cash_before": 50000000,
    "cash_after": 15222266,
    "loan_balance": 0,
    "margin_ratio": "143.20",
    "resp_code": "0000",
}

HISTORY_KINDS = [("매수", "삼성전자 보통주"), ("매도", "SK하이닉스"), ("입금", "급여 이체"), ("배당", "현금배당 입금")]


def history_rows(n):
    """n deterministic rows: buys, sells, deposits and dividends, a running balance."""
    rows = []
    balance = 50000000
    for i in range(n):
        kind, memo = HISTORY_KINDS[i % 4]
        quantity = 0 if kind in ("입금", "배당") else 10 * (i + 1)
        price = 0 if quantity == 0 else 70000 + 150 * i
        amount = quantity * price if quantity else 1000000 + 12345 * i
        amount = -amount if kind == "매수" else amount
        balance += amount
        rows.append(
            {
                "trade_date": f"2024-03-{1 + i:02d}",
                "seq": 101 + i,
                "kind": kind,
                "isin": "KR7005930003" if i % 4 == 0 else ("KR7000660001" if i % 4 == 1 else ""),
                "quantity": quantity,
                "price": price,
                "amount": amount,
                "balance": balance,
                "memo": memo,
            }
        )
    return rows


def history(n, next_key=""):
    return {
        "tr_code": "0400",
        "account": "20112345601",
        "from_date": "2024-03-01",
        "to_date": "2024-03-31",
        "next_key": next_key,
        "count": n,
        "rows": history_rows(n),
    }


SECURITIES = [
    # The four shapes of the benchmarks: ASCII only, Hangul-heavy, numeric-heavy, repeats.
    ("order-request", "order", ORDER),
    ("customer-register", "customer", CUSTOMER),
    ("settlement", "settlement", SETTLEMENT),
    # A full page of 20 rows (the maximum), with a key to continue from.
    ("history-20", "history", history(20, next_key="20240320000120")),
    # A short page: the telegram is shorter by the rows it leaves out.
    ("history-3", "history", history(3)),
]

# layout -> list of (sample, [(message, values), ...] or (message, values), line end)
SAMPLES = {
    "firmbanking": [(name, [(msg, values)], None) for name, msg, values in FIRMBANKING],
    "cms-batch": [(name, records, end) for name, records, end in CMS],
    "member-cp949": [(name, [(msg, values)], None) for name, msg, values in MEMBER],
    "forex-remittance": [(name, [(msg, values)], None) for name, msg, values in FOREX],
    "card-utf8": [(name, [(msg, values)], None) for name, msg, values in CARD],
    "securities": [(name, [(msg, values)], None) for name, msg, values in SECURITIES],
}
ONE_TELEGRAM_PER_FILE = {"firmbanking", "member-cp949", "forex-remittance", "card-utf8", "securities"}


# --------------------------------------------------------------------------------------
# Build, check, write


def message_length(message, telegram_json):
    """The length a message must have: declared, or implied by its counts."""
    if message.length is not None:
        return message.length

    def scope_len(fields, values):
        total = 0
        for f in fields:
            if f.repeat is None:
                total += scope_len(f.children, values[f.name]) if f.kind == "record" else f.width
                continue
            kind = f.repeat[0]
            n = f.repeat[1] if kind == "fixed" else (values[f.repeat[1]] if kind == "max" else f.repeat[2])
            total += (group_width(f) if f.kind == "group" else f.width) * n
        return total

    return scope_len(message.fields, telegram_json)


def build(layout, records, line_end):
    telegrams = []
    decoded = []
    for message_name, values in records:
        message = layout.messages[message_name]
        telegram, expected = encode_scope(message.fields, values, layout, message_name + ".")
        want = message_length(message, expected)
        if len(telegram) != want:
            raise SampleError(f"{message_name}: {len(telegram)} bytes, the message is {want}")
        chosen = choose_message(layout, telegram)
        if chosen is not message:
            raise SampleError(f"{message_name}: the conditions choose {chosen.name}")
        got, end = decode_scope(chosen.fields, telegram, 0, layout, chosen.name + ".")
        if end != len(telegram):
            raise SampleError(f"{message_name}: {len(telegram) - end} bytes left over")
        if json.dumps(got, ensure_ascii=False) != json.dumps(expected, ensure_ascii=False):
            raise SampleError(f"{message_name}: decode gives {got}, expected {expected}")
        # The values given must be the decoded values, except constants and defaults
        # that were left out on purpose.
        check_given(message.fields, values, expected, message_name + ".")
        telegrams.append(telegram)
        decoded.append({"message": message_name, "fields": got})
    wire = frame(layout, telegrams, line_end)
    if unframe(layout, wire, line_end) != telegrams:
        raise SampleError("the framed bytes do not split back into the telegrams")
    return wire, decoded


def check_given(fields, given, decoded, prefix):
    for f in fields:
        if f.name == "_":
            continue
        if f.name not in given:
            if f.const is None and f.default is None:
                raise SampleError(f"{prefix}{f.name}: missing")
            continue
        g, d = given[f.name], decoded[f.name]
        if f.kind in ("record", "group"):
            if f.repeat is None:
                check_given(f.children, g, d, prefix + f.name + ".")
            else:
                for i, (gi, di) in enumerate(zip(g, d)):
                    check_given(f.children, gi, di, f"{prefix}{f.name}[{i}].")
        elif g != d:
            raise SampleError(f"{prefix}{f.name}: given {g!r}, decodes as {d!r}")


def check_cms_totals(decoded):
    data = [d["fields"] for d in decoded if d["message"] == "data_record"]
    trailer = decoded[-1]["fields"]
    assert decoded[0]["message"] == "file_header" and decoded[-1]["message"] == "file_trailer"
    assert [d["seq"] for d in data] == list(range(1, len(data) + 1))
    assert trailer["seq"] == len(data) + 1
    assert trailer["total_count"] == len(data)
    assert trailer["total_amount"] == sum(d["amount"] for d in data)
    if trailer["ok_count"] is not None:
        assert trailer["ok_count"] + trailer["fail_count"] == len(data)
        assert trailer["ok_amount"] + trailer["fail_amount"] == trailer["total_amount"]


def uses_cp949_only(decoded):
    """True when some Hangul syllable in the values is outside KS X 1001."""
    text = json.dumps(decoded, ensure_ascii=False)
    return any(len(ch.encode("euc_kr")) != 2 for ch in text if "\uac00" <= ch <= "\ud7a3")


def to_json(value):
    # Two-space indent, non-ASCII as is, no newline at the end (as the contract's examples).
    return json.dumps(value, ensure_ascii=False, indent=2).encode("utf-8")


def main(argv):
    check_only = argv[1:] == ["--check"]
    if argv[1:] not in ([], ["--check"]):
        print(__doc__)
        return 2
    outputs = {}
    summary = []
    layouts = sorted(f[: -len(".layout")] for f in os.listdir(HERE) if f.endswith(".layout"))
    if sorted(SAMPLES) != layouts:
        raise SampleError(f"layouts {layouts} but samples for {sorted(SAMPLES)}")
    for name in layouts:
        layout = read_layout(os.path.join(HERE, name + ".layout"))
        for sample, records, line_end in SAMPLES[name]:
            wire, decoded = build(layout, records, line_end)
            if name == "cms-batch":
                check_cms_totals(decoded)
            if name == "member-cp949" and not uses_cp949_only(decoded):
                raise SampleError(f"{sample}: uses no CP949-only syllable")
            body = decoded[0] if name in ONE_TELEGRAM_PER_FILE else decoded
            outputs[os.path.join(name, sample + ".bin")] = wire
            outputs[os.path.join(name, sample + ".json")] = to_json(body)
            summary.append(f"{name}/{sample}: {len(decoded)} telegram(s), {len(wire)} bytes")
    differ = []
    for rel, data in sorted(outputs.items()):
        path = os.path.join(HERE, rel)
        if check_only:
            try:
                with open(path, "rb") as f:
                    if f.read() != data:
                        differ.append(rel)
            except FileNotFoundError:
                differ.append(rel)
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    for line in summary:
        print(line)
    if differ:
        print("differ from the layouts and values: " + ", ".join(differ))
        return 1
    print(f"{len(outputs)} files {'match' if check_only else 'written'}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (LayoutError, SampleError) as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)
