fn main() -> std::process::ExitCode {
    downhill::cli::main()
}
