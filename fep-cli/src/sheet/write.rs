//! Exported spec tables into files: .xlsx (one sheet a table, headings bold, masked rows
//! shaded), CSV (the tables one after the other, a blank row between), Markdown and HTML.

use std::path::Path;

use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook};

use super::export::{RowKind, SheetTable};

/// Sheet names Excel accepts: at most 31 characters, none of `[]:*?/\`, unique.
fn sheet_names(tables: &[SheetTable]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    tables
        .iter()
        .map(|t| {
            let clean: String = t
                .name
                .chars()
                .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
                .take(31)
                .collect();
            let mut name = clean.clone();
            let mut k = 2;
            while !seen.insert(name.to_lowercase()) {
                let suffix = format!("_{k}");
                name = format!(
                    "{}{suffix}",
                    clean.chars().take(31 - suffix.len()).collect::<String>()
                );
                k += 1;
            }
            name
        })
        .collect()
}

/// Writes the tables as an .xlsx workbook.
pub fn xlsx(tables: &[SheetTable], path: &Path) -> Result<(), String> {
    let mut wb = Workbook::new();
    let bold = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border(FormatBorder::Thin);
    let title = Format::new().set_bold().set_font_size(13);
    let label = Format::new().set_bold();
    let group = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xF2F2F2));
    let masked = Format::new().set_background_color(Color::RGB(0xFFF2CC));
    let total = Format::new()
        .set_bold()
        .set_border_top(FormatBorder::Double);
    let plain = Format::new();
    let err = |e: rust_xlsxwriter::XlsxError| format!("{}: {e}", path.display());
    for (t, name) in tables.iter().zip(sheet_names(tables)) {
        let ws = wb.add_worksheet();
        ws.set_name(&name).map_err(err)?;
        let mut widths = [0usize; 16];
        for (r, (kind, cells)) in t.rows.iter().enumerate() {
            for (c, v) in cells.iter().enumerate() {
                let f = match (kind, c) {
                    (RowKind::Heading, _) => &bold,
                    (RowKind::Title, _) => &title,
                    (RowKind::Setting, 0) => &label,
                    (RowKind::Group, _) => &group,
                    (RowKind::Masked, _) => &masked,
                    (RowKind::Total, _) => &total,
                    _ => &plain,
                };
                if v.is_empty() && f == &plain {
                    continue;
                }
                // Numbers stay text where the layout means text; lengths and offsets are
                // numbers a reader can sum.
                let numeric = matches!(
                    kind,
                    RowKind::Field | RowKind::Masked | RowKind::Group | RowKind::Total
                ) && matches!(c, 0 | 4 | 5)
                    && !v.is_empty()
                    && v.bytes().all(|b| b.is_ascii_digit())
                    && v.len() < 10;
                let (row, col) = (r as u32, c as u16);
                if numeric {
                    let n: f64 = v.parse::<u32>().map(f64::from).unwrap_or(0.0);
                    ws.write_number_with_format(row, col, n, f).map_err(err)?;
                } else {
                    ws.write_string_with_format(row, col, v, f).map_err(err)?;
                }
                if kind != &RowKind::Title
                    && let Some(w) = widths.get_mut(c)
                {
                    *w = (*w).max(fep_core::text::display_width(v));
                }
            }
        }
        for (c, w) in widths.iter().enumerate() {
            if *w > 0 {
                ws.set_column_width(c as u16, (*w).clamp(4, 60) as f64 + 2.0)
                    .map_err(err)?;
            }
        }
    }
    wb.save(path).map_err(err)
}

/// Writes the tables as CSV, one after the other with a blank row between.
pub fn csv(tables: &[SheetTable], out: &mut dyn std::io::Write, bom: bool) -> Result<(), String> {
    if bom {
        out.write_all(b"\xEF\xBB\xBF").map_err(|e| e.to_string())?;
    }
    let mut w = csv::WriterBuilder::new().flexible(true).from_writer(out);
    for (i, t) in tables.iter().enumerate() {
        if i > 0 {
            w.write_record([""]).map_err(|e| e.to_string())?;
        }
        for (_, cells) in &t.rows {
            if cells.is_empty() {
                w.write_record([""]).map_err(|e| e.to_string())?;
            } else {
                w.write_record(cells).map_err(|e| e.to_string())?;
            }
        }
    }
    w.flush().map_err(|e| e.to_string())
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Writes the tables as Markdown: a section a sheet, settings as a list, fields as a table.
pub fn markdown(tables: &[SheetTable]) -> String {
    let mut s = String::new();
    for t in tables {
        s.push_str(&format!("## {}\n\n", md_cell(&t.name)));
        let mut in_table = false;
        for (kind, cells) in &t.rows {
            match kind {
                RowKind::Title => s.push_str(&format!("**{}**\n\n", md_cell(&cells.join(" ")))),
                RowKind::Setting => s.push_str(&format!(
                    "- {}: `{}`\n",
                    md_cell(&cells[0]),
                    cells
                        .get(1)
                        .map(String::as_str)
                        .unwrap_or("")
                        .replace('`', "'")
                )),
                RowKind::Blank => {
                    if !in_table {
                        s.push('\n');
                    }
                }
                RowKind::Heading => {
                    s.push_str(&format!(
                        "| {} |\n",
                        cells
                            .iter()
                            .map(|c| md_cell(c))
                            .collect::<Vec<_>>()
                            .join(" | ")
                    ));
                    s.push_str(&format!("|{}\n", "---|".repeat(cells.len())));
                    in_table = true;
                }
                _ => {
                    let mut cells: Vec<String> = cells.iter().map(|c| md_cell(c)).collect();
                    if *kind == RowKind::Masked
                        && let Some(c) = cells.get_mut(8)
                    {
                        *c = format!("**{c}**");
                    }
                    if in_table {
                        s.push_str(&format!("| {} |\n", cells.join(" | ")));
                    } else {
                        s.push_str(&format!("- {}\n", cells.join(" · ")));
                    }
                }
            }
        }
        s.push('\n');
    }
    s
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Writes the tables as one HTML page.
pub fn html(tables: &[SheetTable], title: &str) -> String {
    let mut s = format!(
        "<!DOCTYPE html>\n<html lang=\"ko\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>\nbody {{ font-family: sans-serif; }}\ntable {{ border-collapse: collapse; margin-bottom: 2em; }}\nth, td {{ border: 1px solid #999; padding: 2px 6px; }}\nth {{ background: #ddebf7; }}\ntr.group td {{ background: #f2f2f2; font-weight: bold; }}\ntr.masked td {{ background: #fff2cc; }}\ntr.total td {{ font-weight: bold; border-top: 3px double #333; }}\n</style>\n</head>\n<body>\n",
        html_escape(title)
    );
    for t in tables {
        s.push_str(&format!("<h2>{}</h2>\n", html_escape(&t.name)));
        let mut open = false;
        for (kind, cells) in &t.rows {
            match kind {
                RowKind::Title => s.push_str(&format!(
                    "<p><b>{}</b></p>\n",
                    html_escape(&cells.join(" "))
                )),
                RowKind::Setting => s.push_str(&format!(
                    "<p><b>{}</b>: <code>{}</code></p>\n",
                    html_escape(&cells[0]),
                    html_escape(cells.get(1).map(String::as_str).unwrap_or(""))
                )),
                RowKind::Blank => {}
                RowKind::Heading => {
                    s.push_str("<table>\n<tr>");
                    for c in cells {
                        s.push_str(&format!("<th>{}</th>", html_escape(c)));
                    }
                    s.push_str("</tr>\n");
                    open = true;
                }
                _ => {
                    let class = match kind {
                        RowKind::Group => " class=\"group\"",
                        RowKind::Masked => " class=\"masked\"",
                        RowKind::Total => " class=\"total\"",
                        _ => "",
                    };
                    if open {
                        s.push_str(&format!("<tr{class}>"));
                        for c in cells {
                            s.push_str(&format!("<td>{}</td>", html_escape(c)));
                        }
                        s.push_str("</tr>\n");
                    } else {
                        s.push_str(&format!("<p>{}</p>\n", html_escape(&cells.join(" · "))));
                    }
                }
            }
        }
        if open {
            s.push_str("</table>\n");
        }
    }
    s.push_str("</body>\n</html>\n");
    s
}
