//! `monoarch manifest` (being written).

use clap::Args;

use crate::env::Env;
use crate::error::Error;

pub const LONG_ABOUT: &str = "";

#[derive(Debug, Args)]
pub struct ManifestArgs {}

pub fn run(_args: ManifestArgs, _env: &Env) -> Result<i32, Error> {
    Err(Error::Reported {
        message: "`monoarch manifest` is not built yet".into(),
        code: crate::exit_code::FAILURE,
    })
}
