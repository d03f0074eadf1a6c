//! Spec sheets from files into grids: .xlsx, .xls and .ods with calamine (merged cells
//! filled with their top-left value), and .csv in UTF-8 (with or without a byte order
//! mark) or CP949 as Korean Excel writes it.

use std::path::Path;

use calamine::{Data, Dimensions, Range, Reader, Sheets, open_workbook_auto};

use super::grid::Grid;

/// The character encoding of a CSV spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvEncoding {
    /// UTF-8 when the bytes are UTF-8 (or start with its byte order mark), else CP949.
    Auto,
    /// UTF-8.
    Utf8,
    /// CP949 (EUC-KR and the Windows additions).
    Cp949,
}

/// Cells beyond these are not read: a spec table is a few hundred rows a few dozen
/// columns wide; a sheet claiming more is refused rather than allocated.
const MAX_CELLS: u64 = 4_000_000;

/// Reads every sheet of a spec file.
pub fn read(path: &Path, encoding: CsvEncoding) -> Result<Vec<Grid>, String> {
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    );
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "csv" | "txt" | "tsv" => {
            let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let delim = if ext == "tsv" { b'\t' } else { b',' };
            Ok(vec![csv_grid(&file, &bytes, encoding, delim)?])
        }
        "xlsx" | "xlsm" | "xls" | "ods" | "xlsb" => workbook(path, &file),
        _ => Err(format!(
            "{}: not a spec sheet the import reads (.xlsx, .xls, .ods, .csv)",
            path.display()
        )),
    }
}

/// A CSV file's cells, decoded as `encoding` says.
pub fn csv_grid(
    file: &str,
    bytes: &[u8],
    encoding: CsvEncoding,
    delimiter: u8,
) -> Result<Grid, String> {
    let text = decode(bytes, encoding).map_err(|e| format!("{file}: {e}"))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| format!("{file}: line {}: {e}", i + 1))?;
        rows.push(rec.iter().map(str::to_owned).collect());
    }
    Ok(Grid::new(file, "", rows))
}

/// The text of a CSV: UTF-8 (a byte order mark dropped) or CP949.
pub fn decode(bytes: &[u8], encoding: CsvEncoding) -> Result<String, String> {
    let utf8 = |b: &[u8]| -> Result<String, String> {
        let b = b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b);
        String::from_utf8(b.to_vec()).map_err(|e| {
            format!(
                "not UTF-8 at byte {} (give --encoding cp949 for a CSV from Korean Excel)",
                e.utf8_error().valid_up_to()
            )
        })
    };
    let cp949 = |b: &[u8]| -> Result<String, String> {
        let (text, had_errors) = encoding_rs::EUC_KR.decode_without_bom_handling(b);
        if had_errors {
            let good = text.find('\u{FFFD}').unwrap_or(0);
            return Err(format!("not CP949 text (near character {good})"));
        }
        Ok(text.into_owned())
    };
    match encoding {
        CsvEncoding::Utf8 => utf8(bytes),
        CsvEncoding::Cp949 => cp949(bytes),
        CsvEncoding::Auto => {
            if bytes.starts_with(b"\xEF\xBB\xBF") || std::str::from_utf8(bytes).is_ok() {
                utf8(bytes)
            } else {
                cp949(bytes)
            }
        }
    }
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        other => other.to_string(),
    }
}

fn workbook(path: &Path, file: &str) -> Result<Vec<Grid>, String> {
    let mut wb: Sheets<_> =
        open_workbook_auto(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let names = wb.sheet_names();
    let mut merges: Vec<Vec<Dimensions>> = vec![Vec::new(); names.len()];
    match &mut wb {
        Sheets::Xlsx(x) => {
            for (i, n) in names.iter().enumerate() {
                merges[i] = x.merge_cells_by_sheet_name(n).unwrap_or_default();
            }
        }
        Sheets::Xls(x) => {
            for (i, n) in names.iter().enumerate() {
                merges[i] = x.merge_cells_by_sheet_name(n).unwrap_or_default();
            }
        }
        _ => {}
    }
    let mut grids = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let range = wb
            .worksheet_range(name)
            .map_err(|e| format!("{}!{name}: {e}", path.display()))?;
        grids.push(grid_of(file, name, &range, &merges[i])?);
    }
    Ok(grids)
}

fn grid_of(
    file: &str,
    sheet: &str,
    range: &Range<Data>,
    merges: &[Dimensions],
) -> Result<Grid, String> {
    let Some(end) = range.end() else {
        return Ok(Grid::new(file, sheet, Vec::new()));
    };
    let (rows, cols) = (u64::from(end.0) + 1, u64::from(end.1) + 1);
    if rows * cols > MAX_CELLS {
        return Err(format!(
            "{file}!{sheet}: {rows} rows by {cols} columns is more than a spec sheet holds"
        ));
    }
    let mut g = vec![vec![String::new(); cols as usize]; rows as usize];
    for (r, c, d) in range.used_cells() {
        let (sr, sc) = range.start().unwrap_or((0, 0));
        let (ar, ac) = (r + sr as usize, c + sc as usize);
        if let Some(cell) = g.get_mut(ar).and_then(|row| row.get_mut(ac)) {
            *cell = cell_text(d).trim().to_owned();
        }
    }
    for m in merges {
        let (r0, c0) = (m.start.0 as usize, m.start.1 as usize);
        let v = g
            .get(r0)
            .and_then(|row| row.get(c0))
            .cloned()
            .unwrap_or_default();
        for r in r0..=(m.end.0 as usize).min(g.len().saturating_sub(1)) {
            for c in c0..=(m.end.1 as usize) {
                if let Some(cell) = g.get_mut(r).and_then(|row| row.get_mut(c))
                    && cell.is_empty()
                {
                    cell.clone_from(&v);
                }
            }
        }
    }
    Ok(Grid {
        file: file.to_owned(),
        sheet: sheet.to_owned(),
        rows: g,
    })
}
