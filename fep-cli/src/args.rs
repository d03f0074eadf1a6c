//! The command line: every command, option and help text, with clap's derive.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "fep",
    version,
    about = "Check telegram layouts; decode, encode, explain and convert fixed-length telegrams (전문)",
    after_help = "\
Examples:
  fep check layouts/firmbanking.layout
  fep decode -l layouts/firmbanking.layout layouts/firmbanking/transfer-request.bin
  fep explain -l layouts/firmbanking.layout --hex-file dump.txt

Exit status: 0 success, 1 a data error (bad telegram, hex or JSON), 2 a usage or layout error.
Run `fep help COMMAND` for a command's options and an example."
)]
pub struct Cli {
    /// When to colour the output: auto colours a terminal unless NO_COLOR is set
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set or TERM is dumb.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load and compile a layout; print its messages as spec tables, or what is wrong and where
    #[command(after_help = "\
Example:
  fep check layouts/firmbanking.layout

On success, prints each message with its length and a table of its fields: offset, length,
type, path and description. On a mistake, prints file:line:col, the line, a caret under the
place and what is wrong, and exits with 2.")]
    Check(CheckArgs),

    /// Decode framed telegrams (files, standard input or hex dumps) to JSON or a table
    #[command(after_help = "\
Examples:
  fep decode -l layouts/firmbanking.layout layouts/firmbanking/transfer-request.bin
  fep decode -l bank.layout --hex '3033 3030 2020 2020 ...'
  xxd capture.bin | fep decode -l bank.layout --hex-file - --format table
  fep decode -l bank.layout --keep-going capture.bin > out.jsonl

Hex dumps may be plain hex, with spaces or newlines, 0x prefixes, offsets in the first
column and an ASCII column at the end (xxd, hexdump -C, od -A x -t x1z).
Fields marked mask or secret in the layout are hidden unless --reveal.")]
    Decode(DecodeArgs),

    /// Encode JSON (as decode writes it) to framed telegrams, the exact inverse of decode
    #[command(after_help = "\
Examples:
  fep encode -l layouts/firmbanking.layout layouts/firmbanking/transfer-request.json > t.bin
  fep decode -l bank.layout --reveal capture.bin | fep encode -l bank.layout > same.bin
  fep encode -l bank.layout --message transfer --hex --no-frame fields.json

The JSON is one object {\"message\": NAME, \"fields\": {...}}, an array of them, or one a
line (JSON lines; an \"offset\" key is ignored). With --message, an object may also be the
fields alone. Decode with --reveal first: masked values cannot be encoded back.")]
    Encode(EncodeArgs),

    /// Show a telegram field by field: offset, length, path, description, raw bytes and value
    #[command(after_help = "\
Examples:
  fep explain -l layouts/firmbanking.layout layouts/firmbanking/transfer-request.bin
  fep explain -l bank.layout --no-frame --hex-file telegram.txt

On a bad telegram, shows every field that decoded, then the failing field with its error,
then the bytes that were not decoded, and exits with 1.")]
    Explain(ExplainArgs),

    /// Convert a large capture to JSON lines or CSV with constant memory
    #[command(after_help = "\
Examples:
  fep convert -l layouts/firmbanking.layout capture.bin -o capture.jsonl
  fep convert -l layouts/cms-batch.layout batch.txt -o batch.csv --to csv

Shows a progress bar on a terminal and ends with a summary on standard error: telegrams per
message, errors and time. Bad telegrams are reported and left out (unless --fail-fast); the
exit status is then 1. CSV has one column a field (repeated fields hold their JSON).")]
    Convert(ConvertArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The layout file
    #[arg(value_name = "LAYOUT")]
    pub layout: PathBuf,
}

/// Where telegrams come from: files, standard input, hex dumps.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// A file of framed telegrams as on the wire, or - for standard input [default: -]
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// A hex dump of framed telegrams, as a log prints it (may be given more than once)
    #[arg(long, value_name = "TEXT")]
    pub hex: Vec<String>,

    /// A file holding a hex dump, or - for standard input (may be given more than once)
    #[arg(long, value_name = "FILE")]
    pub hex_file: Vec<PathBuf>,

    /// Each input is one bare telegram, without its frame (length prefix or line end)
    #[arg(long)]
    pub no_frame: bool,
}

#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// The layout file
    #[arg(short, long, value_name = "LAYOUT")]
    pub layout: PathBuf,

    #[command(flatten)]
    pub input: InputArgs,

    /// Output format [default: json for one telegram, jsonl for several]
    #[arg(short, long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,

    /// Show mask and secret fields whole
    #[arg(long)]
    pub reveal: bool,

    /// Report each bad telegram on standard error and go on; print a summary at the end
    #[arg(short = 'k', long)]
    pub keep_going: bool,
}

/// Decode's output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Pretty JSON: one object for one telegram, an array for several.
    Json,
    /// One JSON object a line: {"offset": N, "message": NAME, "fields": {...}}.
    Jsonl,
    /// A table a telegram: field, value, description.
    Table,
}

#[derive(Debug, Args)]
pub struct EncodeArgs {
    /// The layout file
    #[arg(short, long, value_name = "LAYOUT")]
    pub layout: PathBuf,

    /// Encode as this message; the JSON may then be the fields object alone
    #[arg(short, long, value_name = "NAME")]
    pub message: Option<String>,

    /// A JSON file, - for standard input, or the JSON text itself (starting with { or [)
    /// [default: -]
    #[arg(value_name = "JSON")]
    pub json: Option<String>,

    /// Write hex (a line a telegram) instead of bytes
    #[arg(long)]
    pub hex: bool,

    /// Write bare telegrams, without their frames
    #[arg(long)]
    pub no_frame: bool,

    /// The line ending for layouts with `framing lines`
    #[arg(long, value_enum, default_value_t = LineEndingArg::Crlf, value_name = "ENDING")]
    pub line_ending: LineEndingArg,
}

/// Line endings for `framing lines`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LineEndingArg {
    /// \r\n, the usual one in Korean batch files.
    Crlf,
    /// \n.
    Lf,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The layout file
    #[arg(short, long, value_name = "LAYOUT")]
    pub layout: PathBuf,

    #[command(flatten)]
    pub input: InputArgs,

    /// Explain as this message, whatever its conditions say
    #[arg(short, long, value_name = "NAME")]
    pub message: Option<String>,

    /// Show mask and secret fields whole
    #[arg(long)]
    pub reveal: bool,
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// The layout file
    #[arg(short, long, value_name = "LAYOUT")]
    pub layout: PathBuf,

    /// The capture: a file of framed telegrams, or - for standard input
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,

    /// The output file, or - for standard output
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,

    /// Output format [default: from OUT's extension: .csv, .jsonl; parquet needs --to]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub to: Option<ConvertFormat>,

    /// Show mask and secret fields whole
    #[arg(long)]
    pub reveal: bool,

    /// Stop at the first bad telegram
    #[arg(long)]
    pub fail_fast: bool,

    /// No progress bar and no summary
    #[arg(short, long)]
    pub quiet: bool,

    #[command(flatten)]
    pub parquet: crate::parquet::ParquetArgs,
}

/// Convert's output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConvertFormat {
    /// One JSON object a line, as decode --format jsonl writes.
    Jsonl,
    /// A header row, then one row a telegram.
    Csv,
    /// A folder of Parquet datasets, one per message (OUT/message=NAME/part-00000.parquet).
    Parquet,
}
