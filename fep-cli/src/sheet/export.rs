//! A schema as spec tables: a first sheet with the layout's settings (encoding, framing,
//! key, checks) and the list of messages, then one sheet a message with its settings
//! (name, length, conditions, key, answers) above a table of its fields, the common
//! header block first, offsets, types, lengths, descriptions and masks marked.
//! `fep import` reads these tables back into the same layout.

use fep_core::{Schema, Sensitivity};

use super::text::quote;

/// The columns of a message table, in order, as the import recognises them.
pub const FIELD_HEADINGS: [&str; 10] = [
    "No",
    "항목명 (Name)",
    "항목ID (Field)",
    "타입 (Type)",
    "길이 (Length)",
    "위치 (Offset)",
    "반복 (Repeat)",
    "필수 (Required)",
    "마스킹 (Mask)",
    "옵션 (Options)",
];

/// What a row of an exported table is, for styling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    /// A title.
    Title,
    /// `label | value`.
    Setting,
    /// The table's headings.
    Heading,
    /// A record or group.
    Group,
    /// A field.
    Field,
    /// A masked or secret field.
    Masked,
    /// The total.
    Total,
    /// Blank.
    Blank,
}

/// One sheet of the export.
#[derive(Debug, Clone)]
pub struct SheetTable {
    /// The sheet's name (the message's, or `layout`).
    pub name: String,
    /// The rows, with what each is.
    pub rows: Vec<(RowKind, Vec<String>)>,
}

impl SheetTable {
    fn push(&mut self, kind: RowKind, cells: Vec<String>) {
        self.rows.push((kind, cells));
    }
}

fn s(x: impl Into<String>) -> String {
    x.into()
}

/// The `when` line of a message, without `when`.
fn when_text(conds: &[(&str, Vec<String>)]) -> String {
    conds
        .iter()
        .map(|(path, vals)| match vals.as_slice() {
            [one] => format!("{path} = {}", quote(one)),
            many => format!(
                "{path} in ({})",
                many.iter().map(|v| quote(v)).collect::<Vec<_>>().join(", ")
            ),
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

/// The tables of a schema: the layout sheet, then one a message.
pub fn tables(schema: &Schema) -> Vec<SheetTable> {
    let mut out = Vec::new();
    let layout_key: Vec<&str> = schema.key_paths().collect();
    let mut first = SheetTable {
        name: "layout".into(),
        rows: Vec::new(),
    };
    first.push(RowKind::Title, vec![s("전문 레이아웃 (fep layout)")]);
    first.push(
        RowKind::Setting,
        vec![s("인코딩 (Encoding)"), s(schema.encoding().name())],
    );
    first.push(
        RowKind::Setting,
        vec![s("프레이밍 (Framing)"), schema.framing().to_string()],
    );
    if !layout_key.is_empty() {
        first.push(RowKind::Setting, vec![s("키 (Key)"), layout_key.join(" ")]);
    }
    for c in schema.checks() {
        first.push(RowKind::Setting, vec![s("검사 (Check)"), s(c)]);
    }
    first.push(RowKind::Blank, Vec::new());
    first.push(RowKind::Title, vec![s("전문 목록 (Messages)")]);
    for m in schema.messages() {
        let len = m
            .length()
            .map_or_else(|| format!("{}+", m.min_length()), |l| l.to_string());
        first.push(
            RowKind::Field,
            vec![
                s(m.name()),
                format!("{len} bytes"),
                when_text(&m.conditions()),
            ],
        );
    }
    out.push(first);
    for m in schema.messages() {
        let mut t = SheetTable {
            name: m.name().to_owned(),
            rows: Vec::new(),
        };
        t.push(RowKind::Setting, vec![s("전문 (Message)"), s(m.name())]);
        if let Some(l) = m.length() {
            t.push(RowKind::Setting, vec![s("길이 (Length)"), l.to_string()]);
        }
        let conds = m.conditions();
        if !conds.is_empty() {
            t.push(RowKind::Setting, vec![s("조건 (When)"), when_text(&conds)]);
        }
        let key: Vec<&str> = m.key_paths().collect();
        if !key.is_empty() && key != layout_key {
            t.push(RowKind::Setting, vec![s("키 (Key)"), key.join(" ")]);
        }
        let answers: Vec<&str> = m.answers().collect();
        if !answers.is_empty() {
            t.push(
                RowKind::Setting,
                vec![s("응답 대상 (Answers)"), answers.join(" ")],
            );
        }
        t.push(RowKind::Blank, Vec::new());
        t.push(
            RowKind::Heading,
            FIELD_HEADINGS.iter().map(|h| s(*h)).collect(),
        );
        for (i, f) in m.fields().enumerate() {
            let sens = match f.sensitivity() {
                Sensitivity::Mask => "mask",
                Sensitivity::Secret => "secret",
                _ => "",
            };
            let group = f.is_group();
            let repeat = f.repeat_text();
            let kind = if group {
                RowKind::Group
            } else if sens.is_empty() {
                RowKind::Field
            } else {
                RowKind::Masked
            };
            t.push(
                kind,
                vec![
                    (i + 1).to_string(),
                    s(f.description().unwrap_or("")),
                    s(f.path()),
                    s(f.type_text()),
                    f.width().to_string(),
                    f.offset().map(|o| o.to_string()).unwrap_or_default(),
                    repeat,
                    if f.is_required() { s("Y") } else { s("") },
                    s(sens),
                    s(f.attributes_text()),
                ],
            );
        }
        if let Some(l) = m.length() {
            t.push(
                RowKind::Total,
                (0..FIELD_HEADINGS.len())
                    .map(|i| match i {
                        0 => s("합계 (Total)"),
                        4 => l.to_string(),
                        _ => String::new(),
                    })
                    .collect(),
            );
        }
        out.push(t);
    }
    out
}
