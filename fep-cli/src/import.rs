//! `fep import SPEC -o LAYOUT`: a layout from a spec sheet (.xlsx, .xls, .ods, .csv), with
//! every doubt as a comment beside its field and in a report on standard error.
//!
//! Exit status: 0 when the layout was written without a doubt; 1 when it was written
//! with doubts (or, with `--strict`, not written because of them); 2 when no table was
//! found or the file could not be read.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::args::ColorChoice;
use crate::failure::{DATA, Failure};
use crate::sheet::{columns, import, read};
use crate::style::Style;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The spec sheet: .xlsx, .xls, .ods or .csv
    #[arg(value_name = "SPEC")]
    pub spec: PathBuf,

    /// The layout file to write, or - for standard output
    #[arg(short, long, value_name = "LAYOUT")]
    pub output: PathBuf,

    /// Read only this sheet (repeat for several) [default: every sheet]
    #[arg(long, value_name = "NAME")]
    pub sheet: Vec<String>,

    /// Say which column holds what, instead of the headings: name=B,id=C,type=D,length=E
    /// (also no, scale, offset, required, repeat, mask, options, remarks)
    #[arg(long, value_name = "ROLE=COLUMN,...")]
    pub columns: Option<String>,

    /// The character encoding of a CSV spec [default: UTF-8 when it is, else CP949]
    #[arg(long, value_enum, value_name = "ENCODING")]
    pub encoding: Option<SpecEncoding>,

    /// Write no layout when there is any doubt (exit 1)
    #[arg(long)]
    pub strict: bool,
}

/// Character encodings of a CSV spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SpecEncoding {
    /// UTF-8 (a byte order mark is allowed).
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    /// CP949 / EUC-KR, as Excel on Korean Windows saves CSV.
    #[value(name = "cp949", alias = "euc-kr", alias = "ms949")]
    Cp949,
}

pub fn run(args: &ImportArgs, color: ColorChoice) -> Result<(), Failure> {
    let encoding = match args.encoding {
        None => read::CsvEncoding::Auto,
        Some(SpecEncoding::Utf8) => read::CsvEncoding::Utf8,
        Some(SpecEncoding::Cp949) => read::CsvEncoding::Cp949,
    };
    let columns = match &args.columns {
        Some(c) => Some(columns::parse_overrides(c).map_err(Failure::usage)?),
        None => None,
    };
    if !args.spec.exists() {
        return Err(Failure::usage(format!(
            "{}: no such file",
            args.spec.display()
        )));
    }
    let grids = read::read(&args.spec, encoding).map_err(Failure::usage)?;
    for s in &args.sheet {
        if !grids.iter().any(|g| g.sheet == *s) {
            let names: Vec<&str> = grids.iter().map(|g| g.sheet.as_str()).collect();
            return Err(Failure::usage(format!(
                "--sheet {s}: {} has no such sheet; it has {}",
                args.spec.display(),
                names.join(", ")
            )));
        }
    }
    let opts = import::Options {
        columns,
        sheets: args.sheet.clone(),
    };
    let imported = import::import(&grids, &opts)
        .map_err(|e| Failure::usage(format!("{}: {e}", args.spec.display())))?;
    let mut doubts = imported.doubts.clone();
    // The layout must load: what the core finds wrong is one more doubt.
    let name = args.output.display().to_string();
    if let Err(e) = fep_core::Schema::parse_named(&name, &imported.text) {
        doubts.push(crate::sheet::grid::Doubt {
            place: name.clone(),
            text: format!("the layout does not load: {e}"),
        });
    }
    let style = Style::stderr(color);
    let mut err = std::io::stderr().lock();
    for d in &doubts {
        let _ = writeln!(err, "{}: {}", style.bold(&d.place), d.text);
    }
    let write = !args.strict || doubts.is_empty();
    if write {
        if args.output.as_os_str() == "-" {
            std::io::stdout()
                .write_all(imported.text.as_bytes())
                .map_err(Failure::output)?;
        } else {
            std::fs::write(&args.output, &imported.text)
                .map_err(|e| Failure::io(&e, &args.output))?;
        }
    }
    let _ = writeln!(
        err,
        "{}: {} message{}, {} field{}, {} doubt{}{}",
        args.spec.display(),
        imported.messages,
        plural(imported.messages),
        imported.fields,
        plural(imported.fields),
        doubts.len(),
        plural(doubts.len()),
        match (write, args.output.as_os_str() == "-") {
            (true, false) => format!("; wrote {}", args.output.display()),
            (true, true) => String::new(),
            (false, _) => "; no layout written (--strict)".to_owned(),
        }
    );
    if doubts.is_empty() {
        Ok(())
    } else {
        Err(Failure::reported(DATA))
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
