//! From spec sheets to a layout: find the tables, read each row, build the layout text,
//! and note every doubt beside the field it is about and in the report.
//!
//! The import never stops at the first problem and never writes a layout that differs
//! from the sheet without saying so: whatever it had to guess or could not read is a
//! [`Doubt`] naming the cell, written as a comment next to the field and returned for
//! the report.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::columns::{self, Columns, Role};
use super::grid::{Doubt, Grid, column_letters};
use super::tables::{Label, Line, Table, is_total, scan, section_of};
use super::text::{
    Node, Repeat, count, ident, is_ident, one_line, parse_repeat, quote, render, render_nodes,
    words_outside_strings,
};
use super::types::{self, Cell, Length};

/// How to read the sheets.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--columns`: roles by column, instead of the headings found.
    pub columns: Option<Columns>,
    /// `--sheet`: only these sheets (all when empty).
    pub sheets: Vec<String>,
}

/// The layout text, and every doubt in the order of the sheets.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    /// The layout, ready to write.
    pub text: String,
    /// Every doubt, each naming its cell.
    pub doubts: Vec<Doubt>,
    /// Messages written.
    pub messages: usize,
    /// Fields written (scalars and groups).
    pub fields: usize,
}

#[derive(Debug)]
struct MessageOut {
    name: String,
    comment: Vec<String>,
    length: Option<usize>,
    when: Option<String>,
    key: Option<String>,
    answers: Option<String>,
    nodes: Vec<Node>,
    /// The sheet's place, for doubts about the whole message.
    place: String,
    /// Constants (path, value) that may choose the message.
    constants: Vec<(String, String)>,
}

/// Reads one table's rows into nodes, with doubts.
struct Builder<'g> {
    grid: &'g Grid,
    doubts: &'g mut Vec<Doubt>,
    /// Doubts about the whole table, for the message's comment.
    sheet_notes: Vec<String>,
}

impl Builder<'_> {
    fn doubt(&mut self, r: usize, c: Option<usize>, text: String, node_comment: &mut Vec<String>) {
        let (place, short) = match c {
            Some(c) => (
                self.grid.cell_place(r, c),
                format!("{}{}", column_letters(c), r + 1),
            ),
            None => (self.grid.row_place(r), format!("row {}", r + 1)),
        };
        node_comment.push(format!("doubt {short}: {text}"));
        self.doubts.push(Doubt { place, text });
    }

    /// The node of one field row.
    fn row(&mut self, t: &Table, r: usize, seq: usize, has_members: bool) -> Node {
        let g = self.grid;
        let col = |role: Role| t.columns.get(&role).copied();
        let cell = |role: Role| col(role).map_or("", |c| g.cell(r, c));
        let mut comment = Vec::new();
        let remarks = cell(Role::Remarks).to_owned();
        let options = cell(Role::Options).trim().to_owned();
        let ko = cell(Role::Name).to_owned();
        let id = cell(Role::Id).trim().to_owned();
        // The name and its path.
        let raw_path: Vec<String> = if id.is_empty() {
            Vec::new()
        } else {
            id.split('.')
                .map(|s| s.trim().trim_end_matches("[]").to_owned())
                .collect()
        };
        let last = raw_path.last().cloned().unwrap_or_default();
        let name = if last == "_" || last.eq_ignore_ascii_case("filler") {
            "_".to_owned()
        } else if last.is_empty() {
            if ko.is_empty() {
                format!("field_{seq}")
            } else if is_total(&ko) {
                String::new()
            } else {
                format!("field_{seq}")
            }
        } else if is_ident(&last) {
            last.clone()
        } else {
            let fixed = ident(&last).unwrap_or_else(|| format!("field_{seq}"));
            self.doubt(
                r,
                col(Role::Id),
                format!("ID {last:?} is not a layout name: written as {fixed}"),
                &mut comment,
            );
            fixed
        };
        let description = (!ko.is_empty()).then(|| ko.clone());
        let mut node = Node {
            name,
            repeat: None,
            ty: None,
            record: false,
            attrs: Vec::new(),
            description,
            comment: Vec::new(),
            children: Vec::new(),
            width: 0,
            words: columns::normalize(&ko),
            row: r,
            sensitivity: None,
            path: raw_path,
            col_sens: false,
            type_col: col(Role::Type),
        };
        // Repeat: its own column, else OCCURS or 반복 in the type or remarks.
        let rep_text = cell(Role::Repeat).to_owned();
        let type_cell = cell(Role::Type).trim().to_owned();
        let remarks_repeat = {
            let r = remarks.trim_start().to_lowercase();
            r.starts_with("반복") || r.starts_with("occurs") || r.starts_with("repeat")
        };
        let rep_source = if !rep_text.is_empty() {
            Some((rep_text, col(Role::Repeat)))
        } else if type_cell.to_lowercase().contains("occurs") || type_cell.contains("반복") {
            Some((type_cell.clone(), col(Role::Type)))
        } else if remarks_repeat {
            Some((remarks.clone(), col(Role::Remarks)))
        } else {
            None
        };
        if let Some((text, c)) = rep_source {
            match parse_repeat(&text) {
                Ok(r) => node.repeat = r,
                Err(e) => self.doubt(r, c, e, &mut comment),
            }
        }
        let type_word = columns::normalize(&type_cell);
        let group_word = matches!(
            type_word.as_str(),
            "group" | "그룹" | "반복" | "반복부" | "occurs" | "record" | "레코드"
        ) || type_word.starts_with("occurs")
            || type_word.starts_with("반복");
        let length_text = cell(Role::Length);
        let mut length_bad = false;
        let length = match types::parse_length(length_text) {
            Ok(l) => l,
            Err(e) => {
                self.doubt(r, col(Role::Length), e, &mut comment);
                length_bad = true;
                None
            }
        };
        let mut length = length;
        if let Some(sc) = col(Role::Scale)
            .map(|c| g.cell(r, c))
            .filter(|s| !s.is_empty())
        {
            match sc.parse::<usize>() {
                Ok(s) if s > 0 => {
                    if let Some(l) = length.as_mut() {
                        l.scale = Some(s);
                    }
                }
                Ok(_) => {}
                Err(_) => self.doubt(
                    r,
                    col(Role::Scale),
                    format!("scale {sc:?} is not a number"),
                    &mut comment,
                ),
            }
        }
        // A group: a group word, or a record name with members below (decided by the
        // caller from the IDs), or a repeat with neither type nor length.
        // A record's name may be a type's spelling (`number`): the rows below it with its
        // ID as their prefix say it is a record.
        let record_name = (!type_cell.is_empty()
            && is_ident(&type_cell)
            && (has_members || types::class_of(&type_cell.to_uppercase()).is_none())
            && !group_word)
            .then(|| type_cell.clone());
        if group_word || (node.repeat.is_some() && type_cell.is_empty() && length.is_none()) {
            node.ty = None;
            node.comment = comment;
            node.sensitivity = sensitivity_of(cell(Role::Mask));
            return node;
        }
        if let Some(rec) = record_name
            && length.is_some_and(|l| l.scale.is_none())
            && (types::parse_length(&type_cell).is_err())
        {
            // Possibly a record reference: the caller turns it into one when members follow.
            node.ty = Some(rec);
            node.record = true;
            node.width = length.map_or(0, |l| l.n);
            node.comment = comment;
            node.sensitivity = sensitivity_of(cell(Role::Mask));
            return node;
        }
        let (resolved, type_doubts) = types::resolve(&type_cell, length, length_bad, &remarks);
        for (which, text) in type_doubts {
            let c = match which {
                Cell::Type => col(Role::Type),
                Cell::Length => col(Role::Length),
            };
            self.doubt(r, c, text, &mut comment);
        }
        let Some(res) = resolved else {
            node.ty = Some(String::new());
            node.comment = comment;
            return node;
        };
        if let Some(m) = res.repeat
            && node.repeat.is_none()
        {
            node.repeat = Some(Repeat::Fixed(m));
        }
        node.width = res.width;
        node.ty = Some(res.ty);
        let opt_words = words_outside_strings(&options);
        let has = |w: &str| {
            opt_words
                .iter()
                .any(|o| o == w || o.starts_with(&format!("{w}(")))
        };
        let covers_sign = has("sign");
        let covers_temporal = has("date") || has("time") || has("datetime");
        let mut attrs: Vec<String> = Vec::new();
        if !options.is_empty() {
            attrs.push(options.clone());
        }
        // With an options column (as `fep export` writes), the options say every
        // attribute: the type adds none (a signed number's sign is then the layout's
        // default, leading).
        let options_column = t.columns.contains_key(&Role::Options);
        for a in res.attrs {
            if options_column
                || a.starts_with("sign") && covers_sign
                || (a.starts_with("date") || a.starts_with("time")) && covers_temporal
            {
                continue;
            }
            attrs.push(a);
        }
        let req = cell(Role::Required);
        if !req.is_empty() && !has("required") {
            let heading = col(Role::Required)
                .map(|c| columns::normalize(g.cell(t.heading_row, c)))
                .unwrap_or_default();
            match required_of(req, heading.contains("m/o") || heading == "mo") {
                Some(true) => attrs.push("required".into()),
                Some(false) => {}
                None => self.doubt(
                    r,
                    col(Role::Required),
                    format!("required {req:?} is neither yes nor no: left optional"),
                    &mut comment,
                ),
            }
        }
        node.sensitivity = sensitivity_of(cell(Role::Mask));
        if let Some(s) = node.sensitivity
            && !has("mask")
            && !has("secret")
        {
            attrs.push(s.to_owned());
            node.col_sens = true;
        }
        // Constants written in the remarks as `= "2000"` or `고정값 2000`.
        if !has("=")
            && let Some(v) = constant_in(&remarks)
        {
            if v.len() == node.width {
                attrs.push(format!("= {}", quote(&v)));
            } else if !v.is_empty() {
                self.doubt(
                    r,
                    col(Role::Remarks),
                    format!(
                        "the constant {v:?} in the remarks is {} bytes, the field {}: left out",
                        v.len(),
                        node.width
                    ),
                    &mut comment,
                );
            }
        }
        if !remarks.is_empty() && columns::normalize(&remarks) != node.words {
            comment.insert(0, one_line(&remarks));
        }
        node.attrs = attrs;
        node.comment = comment;
        node
    }
}

fn sensitivity_of(cell: &str) -> Option<&'static str> {
    match columns::normalize(cell).as_str() {
        "mask" | "masked" | "y" | "yes" | "o" | "●" | "○" | "v" | "마스킹" => Some("mask"),
        "secret" | "비밀" | "암호" | "비밀번호" => Some("secret"),
        _ => None,
    }
}

fn required_of(cell: &str, mo: bool) -> Option<bool> {
    let n = columns::normalize(cell);
    if mo {
        return match n.as_str() {
            "m" | "mandatory" | "required" => Some(true),
            "o" | "optional" | "c" => Some(false),
            _ => None,
        };
    }
    match n.as_str() {
        "y" | "yes" | "o" | "○" | "●" | "v" | "√" | "필수" | "예" | "true" | "m" | "required" => {
            Some(true)
        }
        "n" | "no" | "x" | "선택" | "아니오" | "false" | "optional" | "-" => Some(false),
        _ => None,
    }
}

/// A constant in the remarks: `= "2000"`, `고정값 "2000"`, `'2000' 고정`.
fn constant_in(remarks: &str) -> Option<String> {
    let r = remarks.trim();
    let lower = r.to_lowercase();
    if !(r.starts_with('=') || lower.contains("고정") || lower.contains("fixed")) {
        return None;
    }
    for q in ['"', '\''] {
        if let Some((_, rest)) = r.split_once(q)
            && let Some((v, _)) = rest.split_once(q)
        {
            return Some(v.to_owned());
        }
    }
    None
}

/// The tables' rows into a tree: members under their group by dotted IDs, or a group's
/// members up to the next blank row when the IDs do not say.
fn nest(rows: Vec<(Node, bool)>) -> Vec<Node> {
    // Each row: (node, blank_before).
    let mut root: Vec<Node> = Vec::new();
    // The open groups, as indexes path into the tree, with whether they nest by IDs.
    let mut stack: Vec<(Vec<String>, bool)> = Vec::new();
    /// The children of the open group `depth` levels down: the last node at each level.
    fn at(v: &mut Vec<Node>, depth: usize) -> &mut Vec<Node> {
        if depth == 0 || v.is_empty() {
            return v;
        }
        let last = v.len() - 1;
        at(&mut v[last].children, depth - 1)
    }
    let n_rows = rows.len();
    let rows: Vec<(Node, bool)> = rows;
    let paths: Vec<Vec<String>> = rows.iter().map(|(n, _)| n.path.clone()).collect();
    for (i, (node, blank_before)) in rows.into_iter().enumerate() {
        // Close groups this row is not in.
        while let Some((gpath, by_id)) = stack.last() {
            let inside = if *by_id {
                node.path.len() > gpath.len() && node.path[..gpath.len()] == gpath[..]
            } else {
                !blank_before && node.path.len() <= 1
            };
            if inside {
                break;
            }
            stack.pop();
        }
        let next_is_member = (i + 1 < n_rows)
            && !node.path.is_empty()
            && paths[i + 1].len() > node.path.len()
            && paths[i + 1][..node.path.len()] == node.path[..];
        let opens = if node.ty.is_none() {
            true
        } else if node.record {
            if next_is_member {
                true
            } else {
                // A type the import does not know, not a record: `spread_and_fix` says so.
                false
            }
        } else {
            false
        };
        let by_id = next_is_member || node.path.len() > 1;
        let depth = stack.len();
        at(&mut root, depth).push(node.clone());
        if opens {
            stack.push((node.path.clone(), by_id && next_is_member));
        }
    }
    root
}

/// Builds every message of the sheets.
pub fn import(grids: &[Grid], opts: &Options) -> Result<Imported, String> {
    let mut doubts = Vec::new();
    let mut settings: Vec<(Label, String, usize, usize)> = Vec::new();
    let mut messages: Vec<MessageOut> = Vec::new();
    let mut records: BTreeMap<String, (String, usize, String)> = BTreeMap::new();
    let mut common: Option<(String, Vec<Node>)> = None;
    let mut any_table = false;
    for (gi, grid) in grids.iter().enumerate() {
        if !opts.sheets.is_empty() && !opts.sheets.contains(&grid.sheet) {
            continue;
        }
        let first_doubt = doubts.len();
        let sc = scan(grid, opts.columns.as_ref(), &mut doubts);
        for (l, v, r) in sc.settings {
            settings.push((l, v, gi, r));
        }
        let sheet_first_message = messages.len();
        for t in sc.tables {
            any_table = true;
            if !t.lines.iter().any(|l| matches!(l, Line::Field(_))) {
                doubts.push(Doubt {
                    place: grid.row_place(t.heading_row),
                    text: "a heading with no field under it: left out".into(),
                });
                continue;
            }
            let mut b = Builder {
                grid,
                doubts: &mut doubts,
                sheet_notes: Vec::new(),
            };
            let mut rows = Vec::new();
            let mut blank = false;
            let mut seq = 0usize;
            let mut section_comments = Vec::new();
            for (i, line) in t.lines.iter().enumerate() {
                match line {
                    Line::Blank => blank = true,
                    Line::Section(text) => {
                        section_comments.push(text.clone());
                        blank = true;
                    }
                    Line::Field(r) => {
                        seq += 1;
                        let id_of = |row: usize| {
                            t.columns
                                .get(&Role::Id)
                                .map_or("", |&c| grid.cell(row, c).trim())
                        };
                        let id = id_of(*r);
                        let next = t.lines[i + 1..].iter().find_map(|l| match l {
                            Line::Field(n) => Some(*n),
                            _ => None,
                        });
                        let has_members = !id.is_empty()
                            && next.is_some_and(|n| {
                                id_of(n)
                                    .strip_prefix(id.trim_end_matches("[]"))
                                    .is_some_and(|rest| {
                                        rest.starts_with('.') || rest.starts_with("[].")
                                    })
                            });
                        let mut node = b.row(&t, *r, seq, has_members);
                        if !section_comments.is_empty() {
                            node.comment.insert(0, section_comments.join(" "));
                            section_comments.clear();
                        }
                        rows.push((node, blank));
                        blank = false;
                    }
                }
            }
            let mut nodes = nest(rows);
            spread_and_fix(&mut nodes, None, &mut b);
            let title = t.props.title.as_ref().map(|(s, _)| s.clone());
            let section = title.as_deref().and_then(section_of);
            let sum = sum_and_offsets(&t, &mut nodes, &mut b);
            resolve_counts(&mut nodes, &mut b);
            let common_width = common
                .as_ref()
                .and_then(|(_, c)| c.iter().map(Node::total).sum::<Option<usize>>());
            if let Some((tr, lc)) = t.total {
                let stated = grid.cell(tr, lc);
                match types::parse_length(stated) {
                    Ok(Some(Length { n, .. })) => match sum {
                        // After a common block, the total may count it or not.
                        Some(s)
                            if s != n
                                && section.is_none()
                                && Some(n) != common_width.map(|c| c + s) =>
                        {
                            b.doubt_sheet(format!(
                                "widths sum to {s}, the sheet says {n} ({})",
                                super::grid::a1(tr, lc)
                            ))
                        }
                        _ => {}
                    },
                    Ok(None) => {}
                    Err(e) => b.doubt_sheet(format!("{} ({})", e, super::grid::a1(tr, lc))),
                }
            }
            if section == Some(true) {
                let name = t
                    .props
                    .name
                    .as_ref()
                    .and_then(|(n, _)| ident(n))
                    .unwrap_or_else(|| "header".to_owned());
                common = Some((name, nodes));
                continue;
            }
            let last = messages
                .len()
                .checked_sub(1)
                .filter(|&i| i >= sheet_first_message);
            if section == Some(false)
                && let Some(m) = last.and_then(|i| messages.get_mut(i))
                && t.props.name.is_none()
            {
                m.nodes.extend(nodes);
                continue;
            }
            let mut comment = Vec::new();
            let sheet_doubts = b.sheet_notes.clone();
            if let Some((t, r)) = &t.props.title {
                comment.push(format!("{t} ({})", grid.row_place(*r)));
            } else {
                comment.push(format!("{} from row {}", grid.place(), t.heading_row + 1));
            }
            for d in sheet_doubts {
                comment.push(format!("doubt: {d}"));
            }
            let name = t
                .props
                .name
                .as_ref()
                .and_then(|(n, _)| ident(n))
                .or_else(|| title.as_deref().and_then(ident))
                .or_else(|| ident(&grid.sheet).filter(|_| !grid.sheet.is_empty()))
                .unwrap_or_else(|| format!("message_{}", messages.len() + 1));
            if let Some((cname, cnodes)) = &common {
                let width = cnodes
                    .iter()
                    .map(Node::total)
                    .sum::<Option<usize>>()
                    .unwrap_or(0);
                records
                    .entry(cname.clone())
                    .or_insert_with(|| (render_nodes(cnodes), width, grid.place()));
                let hdr = Node {
                    name: cname.clone(),
                    repeat: None,
                    ty: Some(cname.clone()),
                    record: true,
                    attrs: Vec::new(),
                    description: None,
                    comment: Vec::new(),
                    children: Vec::new(),
                    width,
                    words: String::new(),
                    row: t.heading_row,
                    sensitivity: None,
                    path: vec![cname.clone()],
                    col_sens: false,
                    type_col: None,
                };
                nodes.insert(0, hdr);
            }
            let mut m = MessageOut {
                name,
                comment,
                length: None,
                when: t
                    .props
                    .when
                    .as_ref()
                    .map(|(w, _)| w.trim().trim_start_matches("when ").trim().to_owned()),
                key: t.props.key.as_ref().map(|(k, _)| k.clone()),
                answers: t.props.answers.as_ref().map(|(a, _)| a.clone()),
                nodes,
                place: grid.place(),
                constants: Vec::new(),
            };
            let total = m.nodes.iter().map(Node::total).sum::<Option<usize>>();
            // A title that states the length: `이체 요청 (300 bytes)`, `전문길이 300바이트`.
            let stated = t.props.length.clone().or_else(|| {
                let (title, r) = t.props.title.as_ref()?;
                bytes_in(title).map(|n| (n.to_string(), *r))
            });
            if let Some((l, r)) = &stated {
                match (types::parse_length(l), total) {
                    (Ok(Some(Length { n, .. })), Some(s)) if n == s => m.length = Some(n),
                    (Ok(Some(Length { n, .. })), Some(s)) => {
                        let text = format!("widths sum to {s}, the sheet says {n}");
                        doubts.push(Doubt {
                            place: grid.row_place(*r),
                            text: text.clone(),
                        });
                        m.comment.push(format!("doubt: {text}"));
                    }
                    _ => {}
                }
            }
            if m.length.is_none()
                && let Some((tr, lc)) = t.total
                && let (Ok(Some(Length { n, .. })), Some(s)) =
                    (types::parse_length(grid.cell(tr, lc)), total)
                && n == s
            {
                m.length = Some(n);
            }
            m.constants = constants(&m.nodes, "");
            if let Some((cname, cnodes)) = &common {
                m.constants.extend(constants(cnodes, cname));
            }
            collect_records(&mut m.nodes, &mut records, &mut doubts, grid);
            messages.push(m);
        }
        // The sheet's doubts in the order of its rows; those about the whole sheet last.
        let place = grid.place();
        doubts[first_doubt..].sort_by_key(|d| row_of(&d.place, &place));
    }
    if !any_table {
        return Err(
            "no spec table found: no row has headings for a name (항목명, Field name) and a \
             length (길이, Length); give --columns name=B,length=E,... to say where they are"
                .into(),
        );
    }
    // Conditions for messages that share a sheet set without `when`.
    if messages.len() > 1 {
        let lacking: Vec<usize> = (0..messages.len())
            .filter(|&i| messages[i].when.is_none())
            .collect();
        if !lacking.is_empty() {
            let paths: Vec<String> = messages[lacking[0]]
                .constants
                .iter()
                .map(|(p, _)| p.clone())
                .collect();
            // A constant every such message has, with a different value in each: the
            // message code (a constant of the common header, the same everywhere, would
            // choose nothing).
            let chosen = paths.into_iter().find(|p| {
                let mut values = std::collections::HashSet::new();
                lacking.iter().all(|&i| {
                    messages[i]
                        .constants
                        .iter()
                        .find(|(q, _)| q == p)
                        .is_some_and(|(_, v)| values.insert(v.clone()))
                })
            });
            for &i in &lacking {
                match &chosen {
                    Some(p) => {
                        let v = messages[i]
                            .constants
                            .iter()
                            .find(|(q, _)| q == p)
                            .map(|(_, v)| v.clone())
                            .unwrap_or_default();
                        messages[i].when = Some(format!("{p} = {}", quote(&v)));
                        messages[i]
                            .comment
                            .push(format!("chosen by the constant of {p}"));
                    }
                    None => {
                        let text = format!(
                            "message {} has no condition that tells it from the others: add a \
                             `when` line (no constant field common to the messages)",
                            messages[i].name
                        );
                        messages[i].comment.push(format!("doubt: {text}"));
                        doubts.push(Doubt {
                            place: messages[i].place.clone(),
                            text,
                        });
                    }
                }
            }
        }
    }
    // Unique message names.
    let mut seen = std::collections::HashSet::new();
    for m in &mut messages {
        let base = m.name.clone();
        let mut k = 2;
        while !seen.insert(m.name.clone()) {
            m.name = format!("{base}_{k}");
            k += 1;
        }
    }
    let mut text = String::new();
    text.push_str(
        "# Imported from a spec sheet by `fep import`. Lines with \"doubt\" need a look.\n",
    );
    let mut has_encoding = false;
    let mut keys = Vec::new();
    let mut checks = Vec::new();
    for (label, value, gi, r) in &settings {
        match label {
            Label::Encoding => {
                has_encoding = true;
                let v = value.trim().to_lowercase();
                let _ = writeln!(text, "encoding {v}");
                if !["euc-kr", "cp949", "utf-8", "ascii"].contains(&v.as_str()) {
                    doubts.push(Doubt {
                        place: grids[*gi].row_place(*r),
                        text: format!(
                            "encoding {v:?} is not one a layout has (euc-kr, cp949, utf-8, ascii)"
                        ),
                    });
                }
            }
            Label::Framing => {
                let _ = writeln!(text, "framing  {}", value.trim());
            }
            Label::Key => keys.push(value.trim().to_owned()),
            Label::Check => checks.push(value.trim().trim_start_matches("check ").to_owned()),
            _ => {}
        }
    }
    if !has_encoding {
        text.push_str("encoding euc-kr   # the default; the sheet does not say\n");
    }
    for k in keys {
        let _ = writeln!(text, "key      {k}");
    }
    for (name, (body, width, place)) in &records {
        let _ = writeln!(text, "\n# {place}\nrecord {name} {width} {{");
        text.push_str(body);
        text.push_str("}\n");
    }
    let mut fields = 0;
    for m in &messages {
        text.push('\n');
        for c in &m.comment {
            let _ = writeln!(text, "# {}", one_line(c));
        }
        match m.length {
            Some(l) => {
                let _ = writeln!(text, "message {} {l} {{", m.name);
            }
            None => {
                let _ = writeln!(text, "message {} {{", m.name);
            }
        }
        if let Some(w) = &m.when {
            let _ = writeln!(text, "  when {w}");
        }
        if let Some(k) = &m.key {
            let _ = writeln!(text, "  key {k}");
        }
        if let Some(a) = &m.answers {
            let _ = writeln!(text, "  answers {a}");
        }
        render(&m.nodes, 1, &mut text);
        text.push_str("}\n");
        fields += count(&m.nodes);
    }
    if !checks.is_empty() {
        text.push('\n');
        for c in checks {
            let _ = writeln!(text, "check {c}");
        }
    }
    Ok(Imported {
        text,
        doubts,
        messages: messages.len(),
        fields,
    })
}

/// Record references with their members become `record` blocks (once each; a second
/// one that differs is a doubt and gets its own name).
fn collect_records(
    nodes: &mut [Node],
    records: &mut BTreeMap<String, (String, usize, String)>,
    doubts: &mut Vec<Doubt>,
    grid: &Grid,
) {
    for n in nodes.iter_mut() {
        if n.record && !n.children.is_empty() {
            collect_records(&mut n.children, records, doubts, grid);
            let children = std::mem::take(&mut n.children);
            let body = render_nodes(&children);
            let width = children
                .iter()
                .map(Node::total)
                .sum::<Option<usize>>()
                .unwrap_or(0);
            let base = n.ty.clone().unwrap_or_default();
            let mut name = base.clone();
            let mut k = 2;
            loop {
                match records.get(&name) {
                    None => {
                        records.insert(name.clone(), (body, width, grid.place()));
                        break;
                    }
                    Some((b, _, _)) if *b == body => break,
                    Some(_) => {
                        name = format!("{base}_{k}");
                        k += 1;
                    }
                }
            }
            if name != base {
                let text = format!(
                    "record {base} differs from the one of the same name before: written as {name}"
                );
                n.comment.push(format!("doubt: {text}"));
                doubts.push(Doubt {
                    place: grid.row_place(n.row),
                    text,
                });
                n.ty = Some(name);
            }
            n.width = width;
        } else if !n.children.is_empty() {
            collect_records(&mut n.children, records, doubts, grid);
        }
    }
}

/// Members of a masked group do not repeat its `mask`; a record reference without members
/// below is a type the import does not know.
fn spread_and_fix(nodes: &mut [Node], parent: Option<&'static str>, b: &mut Builder<'_>) {
    for n in nodes.iter_mut() {
        if let Some(p) = parent
            && n.sensitivity == Some(p)
            && n.col_sens
        {
            n.attrs.retain(|a| a != p);
        }
        if n.ty.is_none() && n.children.is_empty() {
            let mut comment = std::mem::take(&mut n.comment);
            b.doubt(
                n.row,
                None,
                "a repeated group with no field under it: left out".into(),
                &mut comment,
            );
            n.comment = comment;
            n.ty = Some(String::new());
        }
        if n.record && n.children.is_empty() {
            let ty = n.ty.clone().unwrap_or_default();
            n.record = false;
            let w = n.width;
            let mut comment = std::mem::take(&mut n.comment);
            b.doubt(
                n.row,
                n.type_col,
                format!("type {ty:?} is not one the import knows: written as X({w})"),
                &mut comment,
            );
            n.comment = comment;
            n.ty = Some(format!("X({w})"));
        }
        if n.is_group() {
            let s = n.sensitivity.or(parent);
            if n.record && n.sensitivity.is_some() && parent != n.sensitivity {
                n.attrs = vec![n.sensitivity.unwrap_or("mask").to_owned()];
            }
            spread_and_fix(&mut n.children, s, b);
        }
        // A record reference keeps its description; an inline group has none in the
        // layout language, so the sheet's goes into a comment.
        if n.ty.is_none()
            && let Some(d) = n.description.take()
        {
            n.comment.insert(0, d);
        }
    }
}

impl Builder<'_> {
    fn doubt_sheet(&mut self, text: String) {
        self.sheet_notes.push(text.clone());
        self.doubts.push(Doubt {
            place: self.grid.place(),
            text,
        });
    }
}

/// The sum of the widths, and a doubt for each offset that disagrees with them.
fn sum_and_offsets(t: &Table, nodes: &mut [Node], b: &mut Builder<'_>) -> Option<usize> {
    let sum = nodes.iter().map(Node::total).sum::<Option<usize>>();
    let Some(&oc) = t.columns.get(&Role::Offset) else {
        return sum;
    };
    // Each scalar row's start (first element), while it is fixed.
    let mut starts = Vec::new();
    fn walk(nodes: &[Node], at: &mut Option<usize>, out: &mut Vec<(usize, usize, usize)>) {
        for n in nodes {
            if n.is_group() && !n.children.is_empty() {
                let mut inner = *at;
                walk(&n.children, &mut inner, out);
            } else if let Some(a) = *at {
                out.push((n.row, a, n.width));
            }
            *at = match (*at, n.total()) {
                (Some(a), Some(w)) => Some(a + w),
                _ => None,
            };
        }
    }
    walk(&*nodes, &mut Some(0), &mut starts);
    let g = b.grid;
    let read = |r: usize| -> Option<usize> {
        let s = g.cell(r, oc);
        let first = s.split(['~', '-']).next().unwrap_or("").trim();
        first.parse().ok()
    };
    // Which convention the sheet uses: 0-based start, 1-based start, or cumulative end.
    type Convention = (&'static str, fn(usize, usize) -> usize);
    let conventions: [Convention; 3] = [
        ("from 0", |a, _| a),
        ("from 1", |a, _| a + 1),
        ("cumulative", |a, w| a + w),
    ];
    let mut best = (0, 0usize);
    for (i, (_, f)) in conventions.iter().enumerate() {
        let hits = starts
            .iter()
            .filter(|&&(r, a, w)| read(r) == Some(f(a, w)))
            .count();
        if hits > best.1 {
            best = (i, hits);
        }
    }
    if best.1 == 0 {
        return sum;
    }
    let (_, f) = conventions[best.0];
    for &(r, a, w) in &starts {
        let s = g.cell(r, oc).to_owned();
        if s.is_empty() {
            continue;
        }
        match read(r) {
            Some(v) if v == f(a, w) => {}
            _ => {
                let mut sink = Vec::new();
                b.doubt(
                    r,
                    Some(oc),
                    format!(
                        "offset {s:?} disagrees with the widths above, which put the field at {}",
                        f(a, w)
                    ),
                    &mut sink,
                );
                // The comment goes on the field: find it again by its row.
                fn add(nodes: &mut [Node], r: usize, text: &str) -> bool {
                    for n in nodes {
                        if n.row == r && n.children.is_empty() {
                            n.comment.push(text.to_owned());
                            return true;
                        }
                        if add(&mut n.children, r, text) {
                            return true;
                        }
                    }
                    false
                }
                for text in sink {
                    add(nodes, r, &text);
                }
            }
        }
    }
    sum
}

/// The constants of the message's fields outside repeats, as `(path, value)`.
fn constants(nodes: &[Node], prefix: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for n in nodes {
        if n.repeat.is_some() {
            continue;
        }
        let path = if prefix.is_empty() {
            n.name.clone()
        } else {
            format!("{prefix}.{}", n.name)
        };
        if n.is_group() {
            out.extend(constants(&n.children, &path));
            continue;
        }
        for a in &n.attrs {
            if let Some(rest) = a.trim().strip_prefix('=') {
                let v = rest.trim();
                if let Some(inner) = v.strip_prefix('"').and_then(|v| v.split('"').next()) {
                    out.push((path.clone(), inner.to_owned()));
                }
            }
        }
    }
    out
}

/// A counted repeat whose count is named in words (`조회건수`) counts by the field of that
/// name before it; a count that names no field is a doubt.
fn resolve_counts(nodes: &mut [Node], b: &mut Builder<'_>) {
    for i in 0..nodes.len() {
        if let Some(Repeat::Counted { count, .. }) = &nodes[i].repeat
            && !count.split('.').all(is_ident)
        {
            let want = columns::normalize(count);
            let found = nodes[..i]
                .iter()
                .rev()
                .find(|n| n.words == want && !n.is_group())
                .map(|n| n.name.clone());
            let count = count.clone();
            match found {
                Some(name) => {
                    if let Some(Repeat::Counted { count, .. }) = nodes[i].repeat.as_mut() {
                        *count = name;
                    }
                }
                None => {
                    let mut c = std::mem::take(&mut nodes[i].comment);
                    let row = nodes[i].row;
                    b.doubt(
                        row,
                        None,
                        format!("the repeat's count {count:?} names no field before it"),
                        &mut c,
                    );
                    nodes[i].comment = c;
                }
            }
        }
        resolve_counts(&mut nodes[i].children, b);
    }
}

/// A length stated in a title: the number before `byte`, `bytes`, `바이트` or `B`.
fn bytes_in(title: &str) -> Option<usize> {
    let lower = title.to_lowercase();
    for unit in ["bytes", "byte", "바이트", "b)"] {
        if let Some(at) = lower.find(unit) {
            let before = lower[..at].trim_end();
            let digits: String = before
                .chars()
                .rev()
                .take_while(char::is_ascii_digit)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            if !digits.is_empty() && digits.len() <= 7 {
                return digits.parse().ok();
            }
        }
    }
    None
}

/// The row a doubt's place names (`spec.xlsx!이체!C14` is 14), or `usize::MAX` for one
/// about the whole sheet.
fn row_of(place: &str, sheet: &str) -> usize {
    let Some(rest) = place.strip_prefix(sheet).and_then(|r| r.strip_prefix('!')) else {
        return usize::MAX;
    };
    rest.trim_start_matches(|c: char| c.is_ascii_uppercase())
        .parse()
        .unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats() {
        let fixed = |n| Ok(Some(Repeat::Fixed(n)));
        let counted = |c: &str, b, slots| {
            Ok(Some(Repeat::Counted {
                count: c.to_owned(),
                bound: b,
                slots,
            }))
        };
        assert_eq!(parse_repeat("[3]"), fixed(3));
        assert_eq!(parse_repeat("3"), fixed(3));
        assert_eq!(parse_repeat("3회"), fixed(3));
        assert_eq!(parse_repeat("OCCURS 5 TIMES"), fixed(5));
        assert_eq!(parse_repeat("반복 10"), fixed(10));
        assert_eq!(parse_repeat("[count, max=10]"), counted("count", 10, false));
        assert_eq!(parse_repeat("[n, slots=4]"), counted("n", 4, true));
        assert_eq!(
            parse_repeat("OCCURS 1 TO 5 DEPENDING ON cnt"),
            counted("cnt", 5, false)
        );
        assert_eq!(
            parse_repeat("반복 (조회건수, 최대 10)"),
            counted("조회건수", 10, false)
        );
        assert_eq!(parse_repeat(""), Ok(None));
        assert!(parse_repeat("[count]").is_err());
    }

    fn grid(sheet: &str, rows: &[&[&str]]) -> Grid {
        Grid::new(
            "spec.xlsx",
            sheet,
            rows.iter()
                .map(|r| r.iter().map(|c| (*c).to_owned()).collect())
                .collect(),
        )
    }

    #[test]
    fn a_common_block_becomes_a_record_for_the_messages_after_it() {
        let g = grid(
            "sheet",
            &[
                &["공통부"],
                &["항목명", "항목ID", "속성", "길이"],
                &["전문구분", "kind", "X", "4"],
                &["일련번호", "seq", "9", "6"],
                &[],
                &["Transfer"],
                &["항목명", "항목ID", "속성", "길이"],
                &["금액", "amount", "9", "10"],
                &["합계", "", "", "20"],
            ],
        );
        let got = import(&[g], &Options::default()).expect("imports");
        assert!(
            got.text.contains(
                "record header 10 {\n  kind  X(4)  \"전문구분\"\n  seq   9(6)  \"일련번호\"\n}\n"
            ),
            "{}",
            got.text
        );
        assert!(
            got.text.contains(
                "message Transfer 20 {\n  header  header\n  amount  9(10)  \"금액\"\n}\n"
            ),
            "{}",
            got.text
        );
        Schema::parse(&got.text).expect("loads");
    }

    #[test]
    fn a_field_named_like_a_setting_is_a_field() {
        let g = grid(
            "s",
            &[
                &["항목명", "항목ID", "길이"],
                &["조건", "", "4"],
                &["길이", "", "2"],
            ],
        );
        let got = import(&[g], &Options::default()).expect("imports");
        assert!(
            got.text
                .contains("  field_1  X(4)  \"조건\"  # doubt row 2: type is empty: written as X(n)\n  field_2  X(2)  \"길이\"  #"),
            "{}",
            got.text
        );
    }

    #[test]
    fn a_length_in_the_title_is_checked() {
        let g = grid(
            "s",
            &[
                &["이체 요청 (10 bytes)"],
                &["항목명", "항목ID", "타입", "길이"],
                &["코드", "code", "X", "4"],
                &["금액", "amount", "9", "5"],
            ],
        );
        let got = import(&[g], &Options::default()).expect("imports");
        let doubts: Vec<String> = got.doubts.iter().map(ToString::to_string).collect();
        assert_eq!(
            doubts,
            ["spec.xlsx!s!1: widths sum to 9, the sheet says 10"]
        );
        assert_eq!(bytes_in("전문길이 300바이트"), Some(300));
        assert_eq!(bytes_in("Transfer (300B)"), Some(300));
        assert_eq!(bytes_in("Transfer"), None);
    }

    #[test]
    fn no_table_is_an_error() {
        let g = grid("s", &[&["hello"], &["world"]]);
        let e = import(&[g], &Options::default()).expect_err("an error");
        assert!(e.starts_with("no spec table found"), "{e}");
    }

    #[test]
    fn offsets_in_each_convention_and_a_wrong_one() {
        for (offs, bad) in [
            (["0", "4", "7"], None),
            (["1", "5", "8"], None),
            (["4", "7", "15"], None),
            (
                ["1", "6", "8"],
                Some(
                    "spec.xlsx!s!E3: offset \"6\" disagrees with the widths above, which put the field at 5",
                ),
            ),
        ] {
            let g = grid(
                "s",
                &[
                    &["No", "항목명", "타입", "길이", "위치"],
                    &["1", "a", "X", "4", offs[0]],
                    &["2", "b", "9", "3", offs[1]],
                    &["3", "c", "X", "8", offs[2]],
                ],
            );
            let got = import(&[g], &Options::default()).expect("imports");
            let doubts: Vec<String> = got.doubts.iter().map(ToString::to_string).collect();
            assert_eq!(
                doubts,
                bad.map(str::to_owned).into_iter().collect::<Vec<_>>(),
                "{offs:?}"
            );
        }
    }

    /// Sheets of cells drawn from what specs hold (headings, types, lengths, repeats,
    /// dotted IDs, titles) and from what they should not (huge numbers, garbage): the
    /// import never panics, and what it writes either loads or carries a doubt.
    #[test]
    fn arbitrary_sheets_never_panic() {
        const VOCAB: &[&str] = &[
            "",
            "",
            "",
            "No",
            "항목명",
            "항목ID",
            "속성",
            "길이",
            "위치",
            "비고",
            "반복",
            "합계",
            "공통부",
            "개별부",
            "X",
            "9",
            "N",
            "S9",
            "H",
            "G",
            "B",
            "AN",
            "N(15,2)",
            "9(13)V99",
            "X(3*35)",
            "DATE",
            "group",
            "header",
            "Q",
            "1",
            "2",
            "4",
            "8",
            "10",
            "0",
            "15,2",
            "99999999999999999999",
            "X(99999999999)",
            "1O",
            "a",
            "b",
            "a.b",
            "a.b.c",
            "items",
            "items.x",
            "[3]",
            "[a, max=5]",
            "OCCURS 1 TO 4 DEPENDING ON a",
            "반복 (a, 최대 2)",
            "[count, slots=9999999]",
            "고정 '0100'",
            "= \"x\"",
            "mask",
            "secret",
            "Y",
            "_",
            "전문 (Message)",
            "조건 (When)",
            "a = \"1\"",
            "길이 (Length)",
            "키 (Key)",
            "검사",
            "인코딩",
            "utf-8",
            "framing",
            "lines",
            "memo-text",
            "한글이름",
        ];
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for _ in 0..1000 {
            let rows = 1 + next(14);
            let mut grid_rows = Vec::new();
            for r in 0..rows {
                let width = next(8);
                let row: Vec<String> = (0..width)
                    .map(|c| {
                        if r == 0 && next(2) == 0 {
                            ["No", "항목명", "항목ID", "속성", "길이", "위치", "반복"][c % 7]
                                .to_owned()
                        } else {
                            VOCAB[next(VOCAB.len())].to_owned()
                        }
                    })
                    .collect();
                grid_rows.push(row);
            }
            let g = Grid::new("fuzz.xlsx", "s", grid_rows);
            if let Ok(got) = import(&[g], &Options::default())
                && Schema::parse(&got.text).is_err()
            {
                assert!(!got.doubts.is_empty() || got.messages == 0, "{}", got.text);
            }
        }
    }

    use fep_core::Schema;
}
