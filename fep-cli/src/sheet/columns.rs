//! Header rows: which column of a spec table holds what, from its heading in Korean or
//! English (`항목명`, `Field name`, `길이`, `Length`...), or from `--columns name=B,...`.

use std::collections::BTreeMap;

use super::grid::{Grid, column_index};

/// What a column of a spec table holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// No / 번호: the row's number.
    No,
    /// 항목명 / Field name: the field's name in words (Korean), its description.
    Name,
    /// 항목ID / 영문명 / ID: the field's name in the layout.
    Id,
    /// 속성 / 타입 / Type: the type spelling.
    Type,
    /// 길이 / Length / Size: bytes.
    Length,
    /// 소수 / Scale: digits after the implied point.
    Scale,
    /// 위치 / Offset / 누적: where the field starts (or, cumulative, ends).
    Offset,
    /// 필수 / Required.
    Required,
    /// 반복 / Repeat / OCCURS.
    Repeat,
    /// 마스킹 / Mask: mask or secret.
    Mask,
    /// 옵션 / Options: layout attributes as the layout writes them.
    Options,
    /// 비고 / Remarks / 설명.
    Remarks,
}

/// The headings recognised for each role, compared without spaces, case or punctuation.
/// docs/spec-sheets.md lists them.
pub const HEADINGS: &[(Role, &[&str])] = &[
    (
        Role::No,
        &["no", "번호", "순번", "항번", "일련번호", "seq", "#"],
    ),
    (
        Role::Name,
        &[
            "항목명",
            "필드명",
            "한글명",
            "한글항목명",
            "항목",
            "명칭",
            "데이터명",
            "fieldname",
            "name",
            "item",
            "itemname",
            "field",
        ],
    ),
    (
        Role::Id,
        &[
            "항목id",
            "영문명",
            "영문항목명",
            "id",
            "fieldid",
            "englishname",
            "변수명",
            "컬럼명",
            "column",
            "영문",
        ],
    ),
    (
        Role::Type,
        &[
            "속성",
            "타입",
            "type",
            "형식",
            "형태",
            "유형",
            "datatype",
            "자료형",
            "데이터타입",
            "attribute",
            "format",
        ],
    ),
    (
        Role::Length,
        &[
            "길이",
            "length",
            "size",
            "len",
            "byte",
            "bytes",
            "자리수",
            "크기",
            "바이트",
        ],
    ),
    (
        Role::Scale,
        &["소수", "소수점", "소수자리", "scale", "decimal", "decimals"],
    ),
    (
        Role::Offset,
        &[
            "위치",
            "offset",
            "누적",
            "누적길이",
            "시작",
            "시작위치",
            "start",
            "position",
            "pos",
        ],
    ),
    (
        Role::Required,
        &[
            "필수",
            "필수여부",
            "required",
            "mandatory",
            "m/o",
            "mo",
            "req",
        ],
    ),
    (Role::Repeat, &["반복", "반복횟수", "repeat", "occurs"]),
    (Role::Mask, &["마스킹", "mask", "masked", "보호"]),
    (Role::Options, &["옵션", "options", "attributes", "attrs"]),
    (
        Role::Remarks,
        &[
            "비고",
            "remarks",
            "remark",
            "설명",
            "description",
            "note",
            "notes",
            "내용",
            "comment",
            "comments",
            "값",
            "value",
        ],
    ),
];

/// A heading as compared: lower case, without spaces and punctuation but `#` and `/`.
pub fn normalize(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '.' | ':' | '_' | '-' | '*' | '·'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The role of a heading: the whole text, else the part before a bracket, else the part
/// inside it (`항목명 (Name)`, `Length(byte)`).
pub fn role_of(heading: &str) -> Option<Role> {
    let lookup = |t: &str| {
        let n = normalize(t);
        HEADINGS
            .iter()
            .find(|(_, names)| names.contains(&n.as_str()))
            .map(|(r, _)| *r)
    };
    if heading.trim().is_empty() {
        return None;
    }
    lookup(heading).or_else(|| {
        let (before, rest) = heading.split_once(['(', '['])?;
        let inside = rest.split([')', ']']).next().unwrap_or("");
        lookup(before).or_else(|| lookup(inside))
    })
}

/// Which column holds which role.
pub type Columns = BTreeMap<Role, usize>;

/// The roles of one row's cells: a role's first column wins.
fn row_roles(grid: &Grid, r: usize) -> Columns {
    let mut cols = Columns::new();
    for c in 0..grid.rows.get(r).map_or(0, Vec::len) {
        if let Some(role) = role_of(grid.cell(r, c)) {
            // A merged heading over two columns (`항목` over 한글명 and 영문명) names the
            // second one too: the name and then the ID.
            if role == Role::Name && cols.contains_key(&Role::Name) && !cols.contains_key(&Role::Id)
            {
                cols.insert(Role::Id, c);
            } else {
                cols.entry(role).or_insert(c);
            }
        }
    }
    cols
}

/// True when the roles make a spec table's heading: a length and a name or ID, and at
/// least three roles.
fn is_heading(cols: &Columns) -> bool {
    cols.len() >= 3
        && cols.contains_key(&Role::Length)
        && (cols.contains_key(&Role::Name) || cols.contains_key(&Role::Id))
}

/// A header row found: its columns and how many rows it takes (2 for a heading whose
/// cells are merged over a second row of sub-headings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// The role of each column.
    pub columns: Columns,
    /// Rows the heading takes: 1 or 2.
    pub rows: usize,
}

/// The heading at row `r`, if the row is one.
pub fn heading_at(grid: &Grid, r: usize) -> Option<Heading> {
    let first = row_roles(grid, r);
    let second = row_roles(grid, r + 1);
    if is_heading(&first) {
        // A second row of sub-headings under merged cells: `항목` over `한글명 | 영문명`.
        // Its roles win where they name a column; the first row's fill the others.
        if second.len() >= 2 && !is_heading(&second) {
            let mut merged = Columns::new();
            for c in 0..grid.width() {
                let role = role_of(grid.cell(r + 1, c)).or_else(|| {
                    first
                        .iter()
                        .find(|&(_, &col)| col == c)
                        .map(|(&role, _)| role)
                });
                if let Some(role) = role {
                    merged.entry(role).or_insert(c);
                }
            }
            if is_heading(&merged) {
                return Some(Heading {
                    columns: merged,
                    rows: 2,
                });
            }
        }
        return Some(Heading {
            columns: first,
            rows: 1,
        });
    }
    // The two rows together (a heading split over merged rows: `길이` merged down, the
    // name split into two sub-headings below).
    if !first.is_empty() && !second.is_empty() {
        let mut merged = first.clone();
        for (role, c) in &second {
            merged.entry(*role).or_insert(*c);
        }
        if is_heading(&merged) && !is_heading(&second) {
            return Some(Heading {
                columns: merged,
                rows: 2,
            });
        }
    }
    None
}

/// `--columns name=B,type=D,length=E`: roles by column letter.
pub fn parse_overrides(text: &str) -> Result<Columns, String> {
    let mut cols = Columns::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((role, letter)) = part.split_once('=') else {
            return Err(format!(
                "--columns: {part:?} is not ROLE=COLUMN (name=B, type=D, length=E)"
            ));
        };
        let role = match normalize(role).as_str() {
            "no" => Role::No,
            "name" => Role::Name,
            "id" => Role::Id,
            "type" => Role::Type,
            "length" => Role::Length,
            "scale" => Role::Scale,
            "offset" => Role::Offset,
            "required" => Role::Required,
            "repeat" => Role::Repeat,
            "mask" => Role::Mask,
            "options" => Role::Options,
            "remarks" => Role::Remarks,
            _ => {
                return Err(format!(
                    "--columns: {role:?} is not a column the import knows; it knows no, name, \
                     id, type, length, scale, offset, required, repeat, mask, options, remarks"
                ));
            }
        };
        let Some(c) = column_index(letter.trim()) else {
            return Err(format!(
                "--columns: {letter:?} is not a column letter (A, B, ..., AA)"
            ));
        };
        cols.insert(role, c);
    }
    if !cols.contains_key(&Role::Length) {
        return Err("--columns: give at least length=COLUMN and name= or id=".into());
    }
    if !cols.contains_key(&Role::Name) && !cols.contains_key(&Role::Id) {
        return Err("--columns: give name=COLUMN or id=COLUMN beside length".into());
    }
    Ok(cols)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_in_korean_and_english() {
        let cases: &[(&str, Option<Role>)] = &[
            ("No", Some(Role::No)),
            ("번호", Some(Role::No)),
            ("항목명", Some(Role::Name)),
            ("필드명", Some(Role::Name)),
            ("Field name", Some(Role::Name)),
            ("항목ID", Some(Role::Id)),
            ("영문명", Some(Role::Id)),
            ("ID", Some(Role::Id)),
            ("속성", Some(Role::Type)),
            ("타입", Some(Role::Type)),
            ("Type", Some(Role::Type)),
            ("형식", Some(Role::Type)),
            ("길이", Some(Role::Length)),
            ("Length(byte)", Some(Role::Length)),
            ("Size", Some(Role::Length)),
            ("위치", Some(Role::Offset)),
            ("Offset", Some(Role::Offset)),
            ("누적", Some(Role::Offset)),
            ("필수", Some(Role::Required)),
            ("Required", Some(Role::Required)),
            ("M/O", Some(Role::Required)),
            ("비고", Some(Role::Remarks)),
            ("Remarks", Some(Role::Remarks)),
            ("설명", Some(Role::Remarks)),
            ("항목명 (Name)", Some(Role::Name)),
            ("반복 (Repeat)", Some(Role::Repeat)),
            ("금액", None),
            ("", None),
        ];
        for &(h, want) in cases {
            assert_eq!(role_of(h), want, "{h:?}");
        }
    }

    fn grid(rows: &[&[&str]]) -> Grid {
        Grid::new(
            "t.csv",
            "",
            rows.iter()
                .map(|r| r.iter().map(|c| (*c).to_owned()).collect())
                .collect(),
        )
    }

    #[test]
    fn a_heading_in_two_rows_under_merged_cells() {
        let g = grid(&[&["번호", "항목", "", "길이"], &["", "한글명", "영문명", ""]]);
        let h = heading_at(&g, 0).expect("a heading");
        assert_eq!(h.rows, 2);
        assert_eq!(h.columns.get(&Role::Name), Some(&1));
        assert_eq!(h.columns.get(&Role::Id), Some(&2));
        assert_eq!(h.columns.get(&Role::Length), Some(&3));
        assert!(heading_at(&grid(&[&["1", "금액", "N", "10"]]), 0).is_none());
    }

    #[test]
    fn overrides() {
        let c = parse_overrides("name=B, type=D,length=E").expect("valid");
        assert_eq!(c.get(&Role::Name), Some(&1));
        assert_eq!(c.get(&Role::Length), Some(&4));
        assert!(
            parse_overrides("name=B")
                .expect_err("an error")
                .contains("length")
        );
        assert!(
            parse_overrides("colour=B,length=C")
                .expect_err("an error")
                .contains("colour")
        );
        assert!(
            parse_overrides("name=1,length=C")
                .expect_err("an error")
                .contains("column letter")
        );
    }
}
