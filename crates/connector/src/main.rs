fn main() -> std::process::ExitCode {
    ml_connector::cli::main()
}
