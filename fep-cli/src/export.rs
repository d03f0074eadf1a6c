//! `fep export LAYOUT --to xlsx|csv|md|html`: a layout as spec tables for people, which
//! `fep import` reads back into the same layout.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::args::ColorChoice;
use crate::failure::Failure;
use crate::sheet::{export, write};

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The layout file
    #[arg(value_name = "LAYOUT")]
    pub layout: PathBuf,

    /// The format [default: from OUT's extension]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub to: Option<ExportFormat>,

    /// The file to write (- for standard output, not for xlsx)
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,

    /// Start a CSV with a UTF-8 byte order mark, by which Excel knows it is UTF-8
    #[arg(long)]
    pub bom: bool,
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// An Excel workbook: a sheet for the layout, then one a message.
    Xlsx,
    /// The tables one after the other.
    Csv,
    /// Markdown, for a wiki or a pull request.
    Md,
    /// One HTML page.
    Html,
}

pub fn run(args: &ExportArgs, color: ColorChoice) -> Result<(), Failure> {
    let schema = crate::check::load(&args.layout, color)?;
    let tables = export::tables(&schema);
    let from_ext = args
        .output
        .as_ref()
        .and_then(|o| o.extension())
        .map(|e| e.to_string_lossy().to_lowercase());
    let format = match (args.to, from_ext.as_deref()) {
        (Some(f), _) => f,
        (None, Some("xlsx")) => ExportFormat::Xlsx,
        (None, Some("csv")) => ExportFormat::Csv,
        (None, Some("md" | "markdown")) => ExportFormat::Md,
        (None, Some("html" | "htm")) => ExportFormat::Html,
        _ => {
            return Err(Failure::usage(
                "say the format with --to xlsx|csv|md|html (or give -o with one of those extensions)",
            ));
        }
    };
    let to_stdout = args.output.as_ref().is_none_or(|o| o.as_os_str() == "-");
    let bytes: Vec<u8> = match format {
        ExportFormat::Xlsx => {
            let Some(out) = args.output.as_ref().filter(|_| !to_stdout) else {
                return Err(Failure::usage("xlsx needs -o FILE.xlsx"));
            };
            write::xlsx(&tables, out).map_err(Failure::usage)?;
            return Ok(());
        }
        ExportFormat::Csv => {
            let mut v = Vec::new();
            write::csv(&tables, &mut v, args.bom).map_err(Failure::usage)?;
            v
        }
        ExportFormat::Md => write::markdown(&tables).into_bytes(),
        ExportFormat::Html => {
            let title = args.layout.display().to_string();
            write::html(&tables, &title).into_bytes()
        }
    };
    match args.output.as_ref().filter(|_| !to_stdout) {
        Some(out) => std::fs::write(out, bytes).map_err(|e| Failure::io(&e, out)),
        None => std::io::stdout().write_all(&bytes).map_err(Failure::output),
    }
}
