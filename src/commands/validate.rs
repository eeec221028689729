//! `monoarch validate` (being written).

use clap::Args;

use crate::env::Env;
use crate::error::Error;

pub const LONG_ABOUT: &str = "";

#[derive(Debug, Args)]
pub struct ValidateArgs {}

pub fn run(_args: ValidateArgs, _env: &Env) -> Result<i32, Error> {
    Err(Error::Reported {
        message: "`monoarch validate` is not built yet".into(),
        code: crate::exit_code::FAILURE,
    })
}
