//! Finding the spec tables of a sheet: heading rows, the settings written above them
//! (`전문 | transfer`), titles, blocks (공통부, 개별부), field rows and total rows.

use super::columns::{self, Columns, Heading, Role};
use super::grid::{Doubt, Grid};
use super::types;

/// A layout-level or message-level setting written as `label | value` above the tables
/// (as `fep export` writes them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Label {
    Encoding,
    Framing,
    Key,
    Check,
    Message,
    When,
    Length,
    Answers,
}

pub(super) fn label_of(text: &str) -> Option<Label> {
    let n = columns::normalize(text.split(['(', '[']).next().unwrap_or(""));
    let inner = text
        .split_once('(')
        .map(|(_, r)| columns::normalize(r.trim_end_matches(')')))
        .unwrap_or_default();
    let pick = |n: &str| match n {
        "encoding" | "인코딩" | "문자코드" => Some(Label::Encoding),
        "framing" | "프레이밍" => Some(Label::Framing),
        "key" | "키" => Some(Label::Key),
        "check" | "검사" => Some(Label::Check),
        "message" | "전문" | "전문명" => Some(Label::Message),
        "when" | "조건" => Some(Label::When),
        "length" | "길이" | "전문길이" => Some(Label::Length),
        "answers" | "응답대상" => Some(Label::Answers),
        _ => None,
    };
    pick(&n).or_else(|| pick(&inner))
}

/// Words that mark the common header block and the body block of a message.
pub(super) fn section_of(text: &str) -> Option<bool> {
    let n = columns::normalize(text);
    let common = [
        "공통부",
        "공통",
        "헤더",
        "헤더부",
        "header",
        "common",
        "commonheader",
    ];
    let body = [
        "개별부",
        "데이터부",
        "본문",
        "body",
        "detail",
        "data",
        "개별",
    ];
    let stem = n.trim_start_matches(['■', '□', '▶', '●', '○', '-', '[', '<', '【']);
    let stem = stem.trim_end_matches([']', '>', '】']);
    if common.contains(&stem) {
        Some(true)
    } else if body.contains(&stem) {
        Some(false)
    } else {
        None
    }
}

/// Total rows: 합계, 계, Total.
pub(super) fn is_total(text: &str) -> bool {
    let before = text.split(['(', '[']).next().unwrap_or("");
    matches!(
        columns::normalize(before).as_str(),
        "합계" | "계" | "총계" | "합" | "total" | "sum" | "총길이" | "전문길이" | "totallength"
    )
}

#[derive(Debug, Default, Clone)]
pub(super) struct Props {
    pub(super) title: Option<(String, usize)>,
    pub(super) name: Option<(String, usize)>,
    pub(super) when: Option<(String, usize)>,
    pub(super) length: Option<(String, usize)>,
    pub(super) answers: Option<(String, usize)>,
    pub(super) key: Option<(String, usize)>,
}

#[derive(Debug)]
pub(super) enum Line {
    Field(usize),
    Section(String),
    Blank,
}

#[derive(Debug)]
pub(super) struct Table {
    pub(super) columns: Columns,
    pub(super) heading_row: usize,
    pub(super) props: Props,
    pub(super) lines: Vec<Line>,
    pub(super) total: Option<(usize, usize)>,
}

/// What one grid holds.
#[derive(Debug, Default)]
pub(super) struct Scan {
    pub(super) settings: Vec<(Label, String, usize)>,
    pub(super) tables: Vec<Table>,
}

pub(super) fn nonempty(grid: &Grid, r: usize) -> Vec<(usize, &str)> {
    grid.rows
        .get(r)
        .map(|row| {
            row.iter()
                .enumerate()
                .filter(|(_, c)| !c.is_empty())
                .map(|(i, c)| (i, c.as_str()))
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn scan(grid: &Grid, overrides: Option<&Columns>, doubts: &mut Vec<Doubt>) -> Scan {
    let mut out = Scan::default();
    let mut pending = Props::default();
    let mut cur: Option<Table> = None;
    let mut r = 0;
    let rows = grid.rows.len();
    let mut override_started = false;
    while r < rows {
        let heading = columns::heading_at(grid, r).or_else(|| {
            // With --columns and no heading, a table starts at the first row whose length
            // cell holds a number.
            let cols = overrides?;
            let len_col = *cols.get(&Role::Length)?;
            (cur.is_none()
                && !override_started
                && matches!(types::parse_length(grid.cell(r, len_col)), Ok(Some(_))))
            .then(|| Heading {
                columns: cols.clone(),
                rows: 0,
            })
        });
        if let Some(h) = heading {
            if let Some(t) = cur.take() {
                if t.lines.iter().any(|l| matches!(l, Line::Field(_))) {
                    out.tables.push(t);
                } else {
                    // A heading with no field under it (the first row of a heading in two
                    // rows, say): its title and settings go to the next one.
                    pending = t.props;
                }
            }
            override_started = true;
            let columns = overrides.cloned().unwrap_or(h.columns);
            cur = Some(Table {
                columns,
                heading_row: r,
                props: std::mem::take(&mut pending),
                lines: Vec::new(),
                total: None,
            });
            r += h.rows;
            continue;
        }
        if grid.is_blank(r) {
            if let Some(t) = cur.as_mut() {
                t.lines.push(Line::Blank);
            }
            r += 1;
            continue;
        }
        let cells = nonempty(grid, r);
        if cells.len() == 2
            && let Some(label) = label_of(cells[0].1)
            // Inside a table, a field of two cells (a name, a length) is not a setting.
            && cur.as_ref().is_none_or(|t| {
                [Role::Length, Role::Type]
                    .iter()
                    .all(|role| t.columns.get(role) != Some(&cells[1].0))
            })
        {
            let value = (cells[1].1.to_owned(), r);
            if let Some(t) = cur.take() {
                out.tables.push(t);
            }
            match label {
                Label::Encoding | Label::Framing | Label::Check => {
                    out.settings.push((label, value.0, r));
                }
                Label::Key if pending.name.is_none() => out.settings.push((label, value.0, r)),
                Label::Key => pending.key = Some(value),
                Label::Message => {
                    // What stood above (a list of messages, say) is not this one's title.
                    pending.title = None;
                    pending.name = Some(value);
                }
                Label::When => pending.when = Some(value),
                Label::Length => pending.length = Some(value),
                Label::Answers => pending.answers = Some(value),
            }
            r += 1;
            continue;
        }
        if let Some(t) = cur.as_mut() {
            let cell = |role: Role| t.columns.get(&role).map_or("", |&c| grid.cell(r, c));
            // A total row: 합계 where the number or the name goes, and no type (a field
            // whose ID is `total` is a field).
            if ([Role::No, Role::Name]
                .iter()
                .any(|&role| is_total(cell(role)))
                || cells.first().is_some_and(|(_, s)| is_total(s)))
                && cell(Role::Type).is_empty()
            {
                t.total = Some((r, t.columns.get(&Role::Length).copied().unwrap_or(0)));
                r += 1;
                continue;
            }
            let has_name = !cell(Role::Name).is_empty() || !cell(Role::Id).is_empty();
            let has_body = !cell(Role::Length).is_empty()
                || !cell(Role::Type).is_empty()
                || !cell(Role::Repeat).is_empty();
            if has_name && (has_body || cells.len() > 1) {
                t.lines.push(Line::Field(r));
                r += 1;
                continue;
            }
            if cells.len() == 1 {
                let text = cells[0].1.to_owned();
                if section_of(&text).is_some() {
                    t.lines.push(Line::Section(text));
                    r += 1;
                    continue;
                }
                // A title: the next table's.
                if let Some(t) = cur.take() {
                    out.tables.push(t);
                }
                pending.title = Some((text, r));
                r += 1;
                continue;
            }
            doubts.push(Doubt {
                place: grid.row_place(r),
                text: "row is neither a field (no name or ID) nor a heading: left out".into(),
            });
            r += 1;
            continue;
        }
        // Outside a table: a title for the next one.
        pending.title = Some((
            cells.iter().map(|(_, s)| *s).collect::<Vec<_>>().join(" "),
            r,
        ));
        r += 1;
    }
    if let Some(t) = cur.take() {
        out.tables.push(t);
    }
    out
}
