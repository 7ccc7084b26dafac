//! The `stigkit` binary: parse the command line, run, map the outcome to an
//! exit code. Everything else lives in the library.

// Checklists are millions of small strings, parsed on worker threads and
// freed on the main one; mimalloc handles that pattern far better than
// glibc's allocator (see benches/fleet.rs).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    stigkit::cli::main()
}
