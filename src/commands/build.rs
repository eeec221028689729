//! `monoarch build` (being written).

use clap::Args;

use crate::env::Env;
use crate::error::Error;

pub const LONG_ABOUT: &str = "";

#[derive(Debug, Args)]
pub struct BuildArgs {}

pub fn run(_args: BuildArgs, _env: &Env) -> Result<i32, Error> {
    Err(Error::Reported {
        message: "`monoarch build` is not built yet".into(),
        code: crate::exit_code::FAILURE,
    })
}
