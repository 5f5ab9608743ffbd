use std::process::ExitCode;

use clap::Parser;
use downhill::cli::{Cli, Command};
use downhill::headless;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Run { file, format }) => headless::run(&file, format),
        Some(Command::Check { paths }) => headless::check(&paths),
        Some(Command::List) => headless::list(),
        Some(Command::Sweep { file, format }) => downhill::sweep::command(&file, format),
        Some(Command::Serve(args)) => downhill::serve::main(&args),
        None => downhill::tui::main(&cli.paths, &cli.dashboard),
    }
}
