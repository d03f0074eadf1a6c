#!/usr/bin/env python3
"""Spec sheets as counterparts send them, written by the spreadsheet libraries people use
(openpyxl for .xlsx, xlwt for .xls, odfpy for .ods), imported with `fep import`, checked
with `fep check` and used to decode a telegram with `fep decode`.

Usage: spec_sheets.py FEP DIR. Prints a line a check and ends with "N passed, M failed".
"""
import json
import subprocess
import sys
from pathlib import Path

FEP, DIR = sys.argv[1], Path(sys.argv[2])

# One sheet, two messages one above the other, each with a title; a heading in two rows
# (항목 merged over 한글명 | 영문명, the other headings merged down); blank rows between
# the blocks; a total row; a repeated block counted by a field named in Korean.
TITLE_1 = "예금주 조회 요청 (Holder inquiry)"
TITLE_2 = "예금주 조회 응답 (Holder reply)"
HEAD_1 = ["번호", "항목", "", "속성", "길이", "위치", "비고"]
HEAD_2 = ["", "한글명", "영문명", "", "", "", ""]
REQ = [
    ["1", "전문구분코드", "msg_code", "AN", "4", "1", "고정값 '0600'"],
    ["2", "은행코드", "bank_code", "N", "3", "5", ""],
    ["3", "계좌번호", "account", "X", "15", "8", ""],
    None,
    ["4", "조회일자", "inquiry_date", "9", "8", "23", "YYYYMMDD"],
    ["합계", "", "", "", "30", "", ""],
]
REP = [
    ["1", "전문구분코드", "msg_code", "AN", "4", "1", "고정값 '0610'"],
    ["2", "예금주명", "holder_name", "한글", "10", "5", ""],
    ["3", "거래건수", "count", "9", "2", "15", ""],
    ["4", "거래내역", "items", "", "", "17", "반복 (거래건수, 최대 3)"],
    ["5", "거래금액", "items.amount", "S9", "8", "17", "선행부호"],
]


def layout_rows():
    rows = [[TITLE_1], [], HEAD_1, HEAD_2] + REQ + [[], [], [TITLE_2], [], HEAD_1, HEAD_2] + REP
    return [r if r is not None else [] for r in rows]


def merges_at(head_row):
    """(row, col, row2, col2) of the merged heading cells at head_row."""
    merges = [(head_row, 1, head_row, 2)]
    for c in (0, 3, 4, 5, 6):
        merges.append((head_row, c, head_row + 1, c))
    return merges


def all_merges(rows):
    out = []
    for i, r in enumerate(rows):
        if r[:1] == ["번호"]:
            out += merges_at(i)
    return out


def number(v):
    return v.isdigit() and (v == "0" or not v.startswith("0"))


def write_xlsx(path, rows):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "조회"
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            if v:
                ws.cell(row=i + 1, column=j + 1, value=int(v) if number(v) else v)
    for r1, c1, r2, c2 in all_merges(rows):
        ws.merge_cells(start_row=r1 + 1, start_column=c1 + 1, end_row=r2 + 1, end_column=c2 + 1)
    wb.save(path)


def write_xls(path, rows):
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("조회")
    merged = all_merges(rows)
    covered = {(r, c) for r1, c1, r2, c2 in merged for r in range(r1, r2 + 1)
               for c in range(c1, c2 + 1) if (r, c) != (r1, c1)}
    starts = {(r1, c1): (r2, c2) for r1, c1, r2, c2 in merged}
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            if (i, j) in covered:
                continue
            value = int(v) if number(v) else v
            if (i, j) in starts:
                r2, c2 = starts[(i, j)]
                ws.write_merge(i, r2, j, c2, value)
            elif v:
                ws.write(i, j, value)
    wb.save(str(path))


def write_ods(path, rows):
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import CoveredTableCell, Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    table = Table(name="조회")
    merged = all_merges(rows)
    covered = {(r, c) for r1, c1, r2, c2 in merged for r in range(r1, r2 + 1)
               for c in range(c1, c2 + 1) if (r, c) != (r1, c1)}
    starts = {(r1, c1): (r2, c2) for r1, c1, r2, c2 in merged}
    for i, r in enumerate(rows):
        tr = TableRow()
        for j in range(7):
            v = r[j] if j < len(r) else ""
            if (i, j) in covered:
                tr.addElement(CoveredTableCell())
                continue
            attrs = {}
            if (i, j) in starts:
                r2, c2 = starts[(i, j)]
                attrs = {"numberrowsspanned": r2 - i + 1, "numbercolumnsspanned": c2 - j + 1}
            if v and number(v):
                cell = TableCell(valuetype="float", value=int(v), **attrs)
            else:
                cell = TableCell(valuetype="string", **attrs)
            if v:
                cell.addElement(P(text=v))
            tr.addElement(cell)
        table.addElement(tr)
    doc.spreadsheet.addElement(table)
    doc.save(str(path))


EXPECTED = [
    "message holder_inquiry 30 {",
    '  when msg_code = "0600"',
    '  msg_code      AN(4) = "0600"  "전문구분코드"',
    '  bank_code     N(3)  "은행코드"',
    '  account       X(15)  "계좌번호"',
    '  inquiry_date  9(8) date  "조회일자"',
    "message holder_reply {",
    '  when msg_code = "0610"',
    '  holder_name  G(10)  "예금주명"',
    "  items[count, max=3] {",
    '    amount  S9(7) sign leading  "거래금액"',
]

passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name}\n{detail}")


rows = layout_rows()
for ext, writer in (("xlsx", write_xlsx), ("xls", write_xls), ("ods", write_ods)):
    spec = DIR / f"holder.{ext}"
    layout = DIR / f"holder-{ext}.layout"
    writer(spec, rows)
    r = subprocess.run([FEP, "import", str(spec), "-o", str(layout)], capture_output=True, text=True)
    report = r.stderr
    want_report = f"{spec}: 2 messages, 9 fields, 0 doubts; wrote {layout}\n"
    check(f"{ext}: import exits 0 with no doubt", r.returncode == 0 and report == want_report,
          report + want_report)
    text = layout.read_text(encoding="utf-8") if layout.exists() else ""
    for line in EXPECTED:
        check(f"{ext}: layout has {line.strip()}", line + "\n" in text or line + "  #" in text, text)
    c = subprocess.run([FEP, "check", str(layout)], capture_output=True, text=True)
    check(f"{ext}: fep check accepts the layout", c.returncode == 0, c.stdout + c.stderr)
    # A reply with two entries: 4 + 10 + 2 + 2 * 9 bytes.
    telegram = "0610".encode() + "홍길동".encode("euc-kr") + b"\xa1\xa1\xa1\xa1" + b"02" + b"+0001000-0000500"
    d = subprocess.run([FEP, "decode", "-l", str(layout), "--no-frame", "--hex", telegram.hex()],
                       capture_output=True, text=True)
    try:
        got = json.loads(d.stdout)
    except ValueError:
        got = None
    want = [{"source": "--hex", "offset": 0, "message": "holder_reply",
             "fields": {"msg_code": "0610", "holder_name": "홍길동", "count": 2,
                        "items": [{"amount": 1000}, {"amount": -500}]}}]
    check(f"{ext}: fep decode of a reply with the imported layout", got == want,
          d.stdout + d.stderr)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
