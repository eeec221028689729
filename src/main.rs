//! The `monoarch` command: parse, set up logging, dispatch, map errors to exit codes.

use clap::Parser;

// musl's allocator takes a lock for every allocation and unmaps freed memory at
// once (a TLB shootdown on each core): the static release binaries spent 1.4-1.6x
// a glibc build's time on a 500-project plan, with the config readers beside the
// diff. mimalloc brings them to the glibc build's figure. glibc builds keep the
// system allocator: mimalloc measured no faster there and 2-3 MB larger
// (BENCHMARKS.md, "Release build").
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = match monoarch::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                monoarch::exit_code::USAGE
            } else {
                0
            };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    monoarch::logging::init(cli.verbose);
    monoarch::tls::install_provider();
    let env = monoarch::env::Env::from_process();
    let code = match monoarch::run(cli, env) {
        Ok(code) => code,
        Err(e) => {
            eprint!("{}", e.log_lines());
            e.exit_code()
        }
    };
    std::process::exit(code);
}
