//! A sheet's cells as text, and the names of cells (`spec.xlsx!이체!C14`) that doubts use.

/// One sheet: its name and its cells as text, row by row (merged cells already filled
/// with the value of their top-left cell).
#[derive(Debug, Clone, Default)]
pub struct Grid {
    /// The file name as the report shows it (`spec.xlsx`).
    pub file: String,
    /// The sheet's name (empty for a CSV file).
    pub sheet: String,
    /// Rows of cells, trimmed; a missing cell is empty.
    pub rows: Vec<Vec<String>>,
}

impl Grid {
    /// A grid from rows of text, for tests and CSV.
    pub fn new(file: &str, sheet: &str, rows: Vec<Vec<String>>) -> Grid {
        let rows = rows
            .into_iter()
            .map(|r| r.into_iter().map(|c| c.trim().to_owned()).collect())
            .collect();
        Grid {
            file: file.to_owned(),
            sheet: sheet.to_owned(),
            rows,
        }
    }

    /// The cell at row `r`, column `c` (both from 0), or "" when there is none.
    pub fn cell(&self, r: usize, c: usize) -> &str {
        self.rows
            .get(r)
            .and_then(|row| row.get(c))
            .map_or("", String::as_str)
    }

    /// The widest row's cell count.
    pub fn width(&self) -> usize {
        self.rows.iter().map(Vec::len).max().unwrap_or(0)
    }

    /// True when every cell of row `r` is empty.
    pub fn is_blank(&self, r: usize) -> bool {
        self.rows
            .get(r)
            .is_none_or(|row| row.iter().all(String::is_empty))
    }

    /// `spec.xlsx!이체`, or `spec.csv` for a file without sheets.
    pub fn place(&self) -> String {
        if self.sheet.is_empty() {
            self.file.clone()
        } else {
            format!("{}!{}", self.file, self.sheet)
        }
    }

    /// `spec.xlsx!이체!C14` for row `r`, column `c` (from 0).
    pub fn cell_place(&self, r: usize, c: usize) -> String {
        format!("{}!{}", self.place(), a1(r, c))
    }

    /// `spec.xlsx!이체!14` for a whole row.
    pub fn row_place(&self, r: usize) -> String {
        format!("{}!{}", self.place(), r + 1)
    }
}

/// A cell's name in A1 notation: row 13, column 2 is `C14`.
pub fn a1(r: usize, c: usize) -> String {
    format!("{}{}", column_letters(c), r + 1)
}

/// Column letters: 0 is A, 25 is Z, 26 is AA.
pub fn column_letters(mut c: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8_lossy(&s).into_owned()
}

/// A column from its letters (`C` is 2, `AA` is 26); `None` for anything else.
pub fn column_index(letters: &str) -> Option<usize> {
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let mut n = 0usize;
    for b in letters.bytes() {
        let b = b.to_ascii_uppercase();
        if !b.is_ascii_uppercase() {
            return None;
        }
        n = n * 26 + usize::from(b - b'A' + 1);
    }
    Some(n - 1)
}

/// A doubt: where in the sheet, and what is doubtful there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doubt {
    /// `spec.xlsx!이체!C14`, `spec.xlsx!이체` or `spec.xlsx`.
    pub place: String,
    /// What is wrong, in words: `length "1O" is not a number`.
    pub text: String,
}

impl std::fmt::Display for Doubt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.place, self.text)
    }
}
