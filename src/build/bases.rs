//! The images a dependent builds on: each base's index, read once by its tag
//! just before the build and passed by digest (`MONOARCH_BASE_<NAME>` =
//! `host/repository@sha256:...`), so no floating tag decides what is built.

use crate::contract::{BaseImage, ProjectPlan, image_name};

use super::BuildError;
use crate::store::Store;

/// Reads the digest of every base's index in `store` (the registry the job pushes to).
pub async fn pin(
    project: &ProjectPlan,
    host: &str,
    store: &Store,
) -> Result<Vec<BaseImage>, BuildError> {
    let mut pinned = Vec::new();
    for base in &project.bases {
        let tagged = format!("{}:{}", image_name(host, &base.repository), base.tag);
        let failed = |message: String| BuildError::Base {
            project: project.name.clone(),
            base: base.project.clone(),
            reference: tagged.clone(),
            message,
        };
        let found = store
            .tag_digest(&base.repository, &base.tag)
            .await
            .map_err(|e| failed(e.to_string()))?;
        let digest = match found {
            Some(digest) => digest,
            // Rebuilt by this plan and absent: the base failed in this pipeline.
            None if base.rebuilt => {
                return Err(BuildError::BaseNotPublished {
                    project: project.name.clone(),
                    base: base.project.clone(),
                    reference: tagged,
                });
            }
            None => {
                return Err(failed(
                    "no such tag: the base was never published with it; publish the base first (`--projects BASE`)".to_string(),
                ));
            }
        };
        pinned.push(BaseImage {
            project: base.project.clone(),
            arg: base.arg.clone(),
            image: format!("{}@{digest}", image_name(host, &base.repository)),
            digest,
        });
    }
    Ok(pinned)
}

/// The annotation that names one base's pinned image on the built image.
pub fn annotation(base: &BaseImage) -> (String, String) {
    (
        format!("io.monoarch.base.{}", base.project),
        base.image.clone(),
    )
}
