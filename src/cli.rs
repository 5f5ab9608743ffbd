//! Command-line interface (clap): parse the arguments, hand them to the
//! command that runs them. Only `main` calls this module.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::commands::{self, RunFormat, SweepFormat};
use crate::session::DashboardArgs;

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

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every run of a scenario to the end and print the result.
    Run {
        /// A scenario file, or the name of a bundled scenario (see `downhill list`).
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = RunFormat::Table)]
        format: RunFormat,
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
    /// Serve the dashboard over SSH: everyone who connects gets a dashboard of their own.
    Serve(Box<crate::serve::ServeArgs>),
}

/// Parse the command line and run what it asks for.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage(&e),
    };
    match cli.command {
        Some(Command::Run { file, format }) => commands::run(&file, format),
        Some(Command::Check { paths }) => commands::check(&paths),
        Some(Command::List) => commands::list(),
        Some(Command::Sweep { file, format }) => commands::sweep(&file, format),
        Some(Command::Serve(args)) => crate::serve::main(&args),
        None => crate::tui::main(&cli.paths, &cli.dashboard),
    }
}

/// Print clap's help, version or usage error; its exit code (0 for help
/// and version, 2 for bad usage), except that help which cannot be written
/// (a full disk) is 1 with a message. A closed pipe is the reader's choice.
fn usage(e: &clap::Error) -> ExitCode {
    let code = e.exit_code();
    match e.print() {
        Err(err) if code == 0 && err.kind() != std::io::ErrorKind::BrokenPipe => {
            say!("downhill: cannot write output: {err}");
            ExitCode::from(1)
        }
        _ => ExitCode::from(u8::try_from(code).unwrap_or(2)),
    }
}
