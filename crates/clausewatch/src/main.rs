fn main() -> std::process::ExitCode {
    clausewatch::cli::main()
}
