//! The `monoarch` command: parse, set up logging, dispatch, map errors to exit codes.

use clap::Parser;

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
