//! The `stigkit` binary: parse the command line, run, map the outcome to an
//! exit code. Everything else lives in the library.

fn main() -> std::process::ExitCode {
    stigkit::cli::main()
}
