//! Command-line interface (clap).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Watch gradient descent: race a fixed learning rate against dynamic
/// schedules, live in the terminal.
///
/// With no command, opens the dashboard on the given scenario files and
/// directories (every *.toml, sorted by name), or on the bundled scenarios.
#[derive(Debug, Parser)]
#[command(name = "downhill", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Scenario files or directories for the dashboard (default: the bundled scenarios).
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub dashboard: DashboardArgs,
}

/// Options of the dashboard.
#[derive(Debug, Clone, clap::Args)]
pub struct DashboardArgs {
    /// Most frames drawn per second.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=240))]
    pub fps: u32,

    /// Where `e` writes its exports.
    #[arg(long, default_value = "downhill-export")]
    pub export_dir: std::path::PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every run of a scenario to the end and print the result.
    Run {
        /// A scenario file, or the name of a bundled scenario (see `downhill list`).
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Validate scenario files or directories; one line per file, exit 1 if any is bad.
    Check {
        /// Files or directories (every *.toml inside).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// List the bundled scenarios.
    List,
    /// Run a scenario's [sweep]: one fresh run per grid point, on every core.
    Sweep {
        /// A scenario file with a [sweep] table, or the name of a bundled one.
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SweepFormat::Table)]
        format: SweepFormat,
    },
}

/// Output formats of `downhill run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A human summary, one line per run.
    Table,
    /// One row per run per epoch, with a header.
    Csv,
    /// One JSON object with every run's final state.
    Json,
}

/// Output formats of `downhill sweep`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SweepFormat {
    /// A human summary: the grid, and where its runs ended.
    Table,
    /// One row per grid point, with a header.
    Csv,
    /// One JSON object with every grid point.
    Json,
}
