//! `fep check LAYOUT`: compile a layout and print its messages as spec tables, or show
//! what is wrong with it and where.

use std::io::{self, Write};
use std::path::Path;

use fep_core::text::{Align, Row, Table, Tone};
use fep_core::{MessageInfo, Schema, Sensitivity};

use crate::args::{CheckArgs, ColorChoice};
use crate::failure::Failure;
use crate::render;
use crate::style::Style;

pub fn run(args: &CheckArgs, color: ColorChoice) -> Result<(), Failure> {
    if let Some(layout) = &args.layout {
        return crate::batch::validate(layout, &args.paths, color);
    }
    let [layout] = args.paths.as_slice() else {
        return Err(Failure::usage(
            "give one layout file to check, or -l LAYOUT and the files to validate",
        ));
    };
    let schema = load(layout, color)?;
    let style = Style::stdout(color);
    let mut out = io::BufWriter::new(io::stdout().lock());
    write(&mut out, layout, &schema, style).map_err(Failure::output)?;
    out.flush().map_err(Failure::output)
}

/// Loads a layout; a mistake in it is shown with its line and a caret (exit 2).
pub fn load(path: &Path, color: ColorChoice) -> Result<Schema, Failure> {
    // Said here in plain words; the core's I/O error carries the system's wording.
    match std::fs::metadata(path) {
        Err(e) => return Err(Failure::io(&e, path)),
        Ok(m) if m.is_dir() => {
            return Err(Failure::usage(format!(
                "{}: is a directory, not a layout file",
                path.display()
            )));
        }
        Ok(_) => {}
    }
    Schema::load(path).map_err(|e| Failure::core(&e, "", Style::stderr(color)))
}

/// The layout's message names, for messages about a name it does not have.
pub fn message_names(schema: &Schema) -> String {
    let names: Vec<&str> = schema.messages().map(|m| m.name()).collect();
    names.join(", ")
}

/// A usage error (exit 2) when `--message NAME` names no message of the layout.
pub fn require_message(schema: &Schema, name: &str) -> Result<(), Failure> {
    match schema.message(name) {
        Some(_) => Ok(()),
        None => Err(Failure::usage(format!(
            "--message {name}: the layout has no such message{}",
            others(schema, name, "it has")
        ))),
    }
}

/// After "no such message NAME": the nearest name when one is close, then the names there
/// are: `; did you mean "transfer"? It has transfer, ...` or `; it has transfer, ...`.
pub fn others(schema: &Schema, name: &str, has: &str) -> String {
    let hint = fep_core::did_you_mean(name, schema.messages().map(|m| m.name()));
    let names = message_names(schema);
    if hint.is_empty() {
        format!("; {has} {names}")
    } else {
        let mut has = has.to_owned();
        if let Some(first) = has.get(..1) {
            let upper = first.to_uppercase();
            has.replace_range(..1, &upper);
        }
        format!("{hint} {has} {names}")
    }
}

fn write(out: &mut impl Write, path: &Path, schema: &Schema, style: Style) -> io::Result<()> {
    let n = schema.messages().count();
    writeln!(
        out,
        "{}: ok, {n} message{}",
        path.display(),
        if n == 1 { "" } else { "s" }
    )?;
    writeln!(out, "encoding  {}", schema.encoding().name())?;
    writeln!(out, "framing   {}", render::framing(schema))?;
    let key: Vec<&str> = schema.key_paths().collect();
    if !key.is_empty() {
        writeln!(out, "key       {}", key.join(" "))?;
    }
    for m in schema.messages() {
        writeln!(out)?;
        message(out, &m, style)?;
    }
    let checks: Vec<&str> = schema.checks().collect();
    if !checks.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", style.bold("checks"))?;
        for c in checks {
            writeln!(out, "  {c}")?;
        }
    }
    Ok(())
}

/// A message's length in words.
pub fn length_text(m: &MessageInfo<'_>) -> String {
    match m.length() {
        Some(n) => format!("{n} bytes"),
        None => format!(
            "{} bytes or more (its length follows a repeat count)",
            m.min_length()
        ),
    }
}

/// A message's `when` conditions as the layout writes them.
pub fn conditions_text(m: &MessageInfo<'_>) -> Option<String> {
    let conds = m.conditions();
    if conds.is_empty() {
        return None;
    }
    let parts: Vec<String> = conds
        .iter()
        .map(|(path, values)| {
            let quoted: Vec<String> = values.iter().map(|v| format!("\"{v}\"")).collect();
            if quoted.len() == 1 {
                format!("{path} = {}", quoted[0])
            } else {
                format!("{path} in ({})", quoted.join(", "))
            }
        })
        .collect();
    Some(parts.join(" and "))
}

fn message(out: &mut impl Write, m: &MessageInfo<'_>, style: Style) -> io::Result<()> {
    writeln!(
        out,
        "{} {}: {}",
        style.bold("message"),
        style.bold(m.name()),
        length_text(m)
    )?;
    if let Some(when) = conditions_text(m) {
        writeln!(out, "when {when}")?;
    }
    let answers: Vec<&str> = m.answers().collect();
    if !answers.is_empty() {
        writeln!(out, "answers {}", answers.join(" "))?;
    }
    let mut t = Table::new(&[
        ("offset", Align::Right),
        ("length", Align::Right),
        ("type", Align::Left),
        ("path", Align::Left),
        ("description", Align::Left),
    ])
    .indent(2);
    for f in m.fields() {
        let offset = f.offset().map_or_else(|| "-".to_owned(), |o| o.to_string());
        let length = match f.total_width() {
            Some(w) => w.to_string(),
            None => format!("{}×n", f.width()),
        };
        let mut ty = f.type_text().to_owned();
        let repeat = f.repeat_text();
        if !repeat.is_empty() {
            ty.push(' ');
            ty.push_str(&repeat);
        }
        // The attributes as the layout wrote them (sign, date, mask, required, ...); a
        // record reference's own mask or secret is not among them, so say it.
        let attrs = f.attributes_text();
        if !attrs.is_empty() {
            ty.push(' ');
            ty.push_str(attrs);
        } else if f.is_group() {
            match f.sensitivity() {
                Sensitivity::Mask => ty.push_str(" mask"),
                Sensitivity::Secret => ty.push_str(" secret"),
                _ => {}
            }
        }
        let path = format!("{}{}", "  ".repeat(f.depth()), f.path());
        let description = f.description().unwrap_or("").to_owned();
        let mut row = Row::new(vec![offset, length, ty, path, description]);
        if f.is_filler() {
            row.tone = Tone::Dim;
        }
        t.push(row);
    }
    writeln!(out)?;
    out.write_all(
        t.render_with(|tone, line| style.tone(tone, line))
            .as_bytes(),
    )
}
