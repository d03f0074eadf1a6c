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
place and what is wrong, and exits with 2.

With -l LAYOUT, validates batch files instead: every telegram decodes, and every `check`
statement of the layout holds (trailer counts and totals, sequence numbers, header copies).
Prints each failure with its record number and byte offset, then a line a file; exits
with 1 when anything failed:
  fep check -l layouts/cms-batch.layout layouts/cms-batch/batch-file.bin")]
    Check(CheckArgs),

    /// Decode framed telegrams (files, standard input or hex dumps) to JSON or a table
    #[command(after_help = "\
Examples:
  fep decode -l layouts/firmbanking.layout layouts/firmbanking/transfer-request.bin
  fep decode -l bank.layout --hex '3033 3030 2020 2020 ...'
  xxd capture.bin | fep decode -l bank.layout --hex-file - --format table
  fep decode -l bank.layout --keep-going capture.bin > out.jsonl
  fep decode -l bank.layout --message transfer --no-frame --hex-file telegram.txt

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
  fep encode -l bank.layout fields.json -o telegram.bin

The JSON is one object {\"message\": NAME, \"fields\": {...}}, an array of them, or one a
line (JSON lines; an \"offset\" key is ignored). With --message, an object may also be the
fields alone. Decode with --reveal first: masked values cannot be encoded back. Telegrams are
bytes, which a terminal cannot show: on a terminal, give --hex, -o FILE or redirect.
With a layout that has `check` statements (batch files), fields they compute (trailer
counts and totals, sequence numbers, header copies) are filled in when left out and
checked when given, and a batch left open gets its trailer: a header and data records
make a complete file.")]
    Encode(EncodeArgs),

    /// Show a telegram field by field: offset, length, path, description, raw bytes and value
    #[command(after_help = "\
Examples:
  fep explain -l layouts/firmbanking.layout layouts/firmbanking/transfer-request.bin
  fep explain -l bank.layout --no-frame --hex-file telegram.txt
  fep explain -l bank.layout --width 80 capture.bin > for-the-ticket.txt

On a bad telegram, shows every field that decoded, then the failing field with its error,
then the bytes that were not decoded, and exits with 1.")]
    Explain(ExplainArgs),

    /// Convert a large capture to JSON lines or CSV with constant memory
    #[command(after_help = "\
Examples:
  fep convert -l layouts/firmbanking.layout capture.bin -o capture.jsonl
  fep convert -l layouts/cms-batch.layout batch.txt -o batch.csv --to csv
  fep convert -l bank.layout day1.bin day2.bin -o days.csv --bom      # for Excel

Shows a progress bar on a terminal and ends with a summary on standard error: telegrams per
message, errors and time. Bad telegrams are reported and left out (unless --fail-fast); the
exit status is then 1. Every row starts with its source (the input file) and the byte offset
of its frame in that file. CSV has one column a field (repeated fields hold their JSON); for
Excel on Korean Windows give --bom (UTF-8), or --encoding cp949 for older versions.
A telegram that fails one of the layout's `check` statements is rejected like a bad one;
--rejects FILE keeps every rejected telegram, byte for byte, with an index beside it.")]
    Convert(ConvertArgs),

    /// Match each request with its response by key, in a capture (pcap, pcapng) or a file of
    /// telegrams: which went unanswered, which came late, which codes came back
    #[command(after_help = "\
Examples:
  tcpdump -i lo -w x.pcap 'tcp port 9000'
  fep pair -l layouts/firmbanking.layout x.pcap
  fep pair -l bank.layout --port 9000 --format csv x.pcapng > pairs.csv
  fep pair -l bank.layout --response-when header.msg_code=2100 telegrams.bin

One row a request (key, request and response messages, response code, latency, outcome:
answered, unanswered, answered twice) and one a response that matched no request, in
capture order; then a summary: counts per outcome, latency percentiles per message,
response codes and a latency histogram. Exit status 0 when every request was answered
once (and the capture had no gap), 1 otherwise.")]
    Pair(crate::pair::PairArgs),

    /// Compare two telegrams, or two captures aligned by key, field by field: paths,
    /// offsets and both values
    #[command(after_help = "\
Examples:
  fep diff -l layouts/firmbanking.layout old.bin new.bin
  fep diff -l bank.layout legacy.pcap fep.pcap
  fep diff -l bank.layout --hex '0300 2000 ...' '0300 2000 ...'
  fep diff -l bank.layout expected.json got.bin --format jsonl

A and B are each a file of framed telegrams, a pcap or pcapng capture, JSON as decode
writes it (encoded through the layout first), or - for standard input; --hex and
--hex-file read hex dumps. One telegram on each side: the fields that differ with their
paths, offsets (A's/B's when they part) and both values, then `N fields differ`. More:
telegrams aligned by the layout's key (those without one by position), each pair's
differing fields, the telegrams on one side only, and how often each field differs.
Fields marked mask or secret are hidden unless --reveal.
Exit status: 0 the same, 1 different, 2 trouble (a usage or layout error, or a telegram
that could not be read or decoded: the comparison is incomplete).")]
    Diff(crate::diff::DiffArgs),

    /// A layout from a spec sheet (.xlsx, .xls, .ods, .csv), every doubt pointed out by cell
    #[command(after_help = "\
Examples:
  fep import spec.xlsx -o bank.layout && fep check bank.layout
  fep import spec.xlsx --sheet 이체 -o transfer.layout
  fep import spec.csv --encoding cp949 -o bank.layout
  fep import spec.xlsx --columns name=B,id=C,type=D,length=E -o bank.layout

Finds the tables (headings in Korean or English, any order, merged), reads each row's
name, ID, type, length, offset, repeat and remarks, and writes a layout. Every doubt (a
length that is not a number, widths that do not add up to the stated total, an offset that
disagrees with the widths, a type it does not know) is written beside its field as a
comment and reported on standard error by cell: spec.xlsx!이체!C14: ...
Exit status: 0 no doubt, 1 written with doubts, 2 nothing to import. See docs/spec-sheets.md.")]
    Import(crate::import::ImportArgs),

    /// A layout as spec tables for people: xlsx (a sheet a message), csv, md or html
    #[command(after_help = "\
Examples:
  fep export layouts/firmbanking.layout -o firmbanking.xlsx
  fep export bank.layout --to md > bank.md
  fep export bank.layout -o bank.csv --bom

A first sheet holds the layout's settings (encoding, framing, key, checks) and the list of
messages; then a sheet a message: its conditions, then its fields (header block first) with
offset, type, length, repeat, description, mask and options. `fep import` reads it back to
the same layout.")]
    Export(crate::export::ExportArgs),

    /// Print a shell completion script for bash, zsh, fish, elvish or PowerShell
    #[command(after_help = "\
Examples:
  fep completions bash > ~/.local/share/bash-completion/completions/fep
  fep completions zsh > ~/.zfunc/_fep        # with fpath+=(~/.zfunc) in ~/.zshrc
  fep completions fish > ~/.config/fish/completions/fep.fish

The script completes commands, options, their values (formats, encodings) and file names.")]
    Completions(CompletionsArgs),

    /// Print the manual page fep(1), or write one page a command into a directory
    #[command(after_help = "\
Examples:
  fep man | man -l -
  fep man --dir /usr/local/share/man/man1     # fep.1, fep-decode.1, ...

The pages are made from the same definitions as --help, so they cannot disagree with it.")]
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write fep.1 and fep-COMMAND.1 for every command into this directory, instead of
    /// printing fep(1)
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The layout file; with -l, the batch files to validate (- for standard input)
    #[arg(value_name = "LAYOUT | FILE")]
    pub paths: Vec<PathBuf>,

    /// Validate FILEs against this layout: every telegram, and its `check` statements
    /// (trailer counts and totals, sequence numbers); prints every failure
    #[arg(short, long, value_name = "LAYOUT")]
    pub layout: Option<PathBuf>,
}

/// Where telegrams come from: files, standard input, hex dumps.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// A file of framed telegrams as on the wire, a pcap or pcapng capture, or - for
    /// standard input [default: -]
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

    /// Decode as this message, whatever its conditions say
    #[arg(short, long, value_name = "NAME")]
    pub message: Option<String>,

    /// Output format, the same however many telegrams there are
    #[arg(short, long, value_enum, default_value_t = Format::Json, value_name = "FORMAT")]
    pub format: Format,

    /// Show mask and secret fields whole
    #[arg(long)]
    pub reveal: bool,

    /// Report each bad telegram on standard error and go on; print a summary at the end
    #[arg(short = 'k', long)]
    pub keep_going: bool,

    /// Do not run the layout's `check` statements (batch totals, sequence numbers)
    #[arg(long)]
    pub no_checks: bool,

    #[command(flatten)]
    pub filters: crate::capture::FilterArgs,
}

/// Decode's output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Pretty JSON, always one array: [{"source", "offset", "message", "fields"}, ...].
    Json,
    /// One JSON object a line: {"source": INPUT, "offset": N, "message": NAME, "fields": {...}},
    /// N the byte offset of the telegram's frame in INPUT.
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

    /// Write to this file instead of standard output (bytes are refused on a terminal)
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,

    /// Write bare telegrams, without their frames
    #[arg(long)]
    pub no_frame: bool,

    /// The line ending for layouts with `framing lines`
    #[arg(long, value_enum, default_value_t = LineEndingArg::Crlf, value_name = "ENDING")]
    pub line_ending: LineEndingArg,

    /// Write messages as given: do not fill in or check what the layout's `check`
    /// statements compute (trailer counts and totals, sequence numbers)
    #[arg(long)]
    pub no_checks: bool,
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

    /// Fit the table in this many columns (raw bytes under each field, long values cut);
    /// 0 for the full table [default: the terminal's width; the full table in a pipe]
    #[arg(short, long, value_name = "COLUMNS")]
    pub width: Option<usize>,

    #[command(flatten)]
    pub filters: crate::capture::FilterArgs,
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// The layout file
    #[arg(short, long, value_name = "LAYOUT")]
    pub layout: PathBuf,

    /// Captures: files of framed telegrams, or - for standard input; each row says which
    /// one it came from and where
    #[arg(value_name = "INPUT", required = true)]
    pub inputs: Vec<PathBuf>,

    /// The output file, or - for standard output
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,

    /// Output format [default: from OUT's extension: .csv, .jsonl; parquet needs --to]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub to: Option<ConvertFormat>,

    #[command(flatten)]
    pub csv: CsvArgs,

    /// Show mask and secret fields whole
    #[arg(long)]
    pub reveal: bool,

    /// Stop at the first bad telegram
    #[arg(long)]
    pub fail_fast: bool,

    /// No progress bar and no summary
    #[arg(short, long)]
    pub quiet: bool,

    /// Write every rejected telegram to FILE as it stood in the input (framed as the
    /// layout says), with FILE.index.csv beside it: offset, length, rejects_offset, error
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,

    /// Do not run the layout's `check` statements (batch totals, sequence numbers)
    #[arg(long)]
    pub no_checks: bool,

    #[command(flatten)]
    pub filters: crate::capture::FilterArgs,

    #[command(flatten)]
    pub parquet: crate::parquet::ParquetArgs,
}

/// How CSV is written, for the program that opens it (Excel on Korean Windows: see
/// docs/cli.md).
#[derive(Debug, Args)]
#[command(next_help_heading = "CSV")]
pub struct CsvArgs {
    /// Start the file with a UTF-8 byte order mark, by which Excel knows it is UTF-8
    #[arg(long)]
    pub bom: bool,

    /// The CSV's character encoding
    #[arg(long, value_enum, default_value_t = CsvEncoding::Utf8, value_name = "ENCODING")]
    pub encoding: CsvEncoding,

    /// The field separator: one ASCII character, or `tab`
    #[arg(long, default_value = ",", value_parser = parse_delimiter, value_name = "CHAR")]
    pub delimiter: u8,
}

/// Character encodings for CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CsvEncoding {
    /// UTF-8.
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    /// CP949 (Windows' code page for Korean, a superset of EUC-KR), as Excel reads a CSV
    /// without a byte order mark on Korean Windows.
    #[value(name = "cp949", alias = "ms949", alias = "uhc")]
    Cp949,
}

/// A CSV delimiter: one ASCII character other than a quote, a letter, a digit or a control
/// character; `tab` (or `\t`) for a tab. Values holding it are quoted.
fn parse_delimiter(s: &str) -> Result<u8, String> {
    let b = match s {
        "tab" | "\\t" | "\t" => b'\t',
        _ => match s.as_bytes() {
            [b] if b.is_ascii() => *b,
            _ => {
                return Err(format!(
                    "{s:?} is not one ASCII character; give , ; | or tab"
                ));
            }
        },
    };
    if b == b'"' || b.is_ascii_alphanumeric() || (b.is_ascii_control() && b != b'\t') {
        return Err(format!(
            "{:?} cannot separate fields: it is a quote, a letter, a digit or a control \
             character; give , ; | or tab",
            b as char
        ));
    }
    Ok(b)
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
