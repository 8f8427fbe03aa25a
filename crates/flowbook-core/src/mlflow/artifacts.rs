//! Uploading files through the server's artifact proxy (`--serve-artifacts`).

use super::api::MlflowSync;
use super::error::SyncError;
use super::http::{percent_encode, HttpClient, HttpMethod};

/// The proxy path of a run's artifact root, from its `artifact_uri`
/// (`mlflow-artifacts:/<experiment>/<run>/artifacts`). Any other scheme means the server
/// hands out storage locations Flowbook cannot write to.
pub(crate) fn artifact_root(artifact_uri: &str) -> Result<String, SyncError> {
    let rest = artifact_uri
        .strip_prefix("mlflow-artifacts:")
        .ok_or(SyncError::ArtifactsNotProxied)?;
    // The URI may name a host (`mlflow-artifacts://host:port/path`): only the path counts.
    let path = match rest.strip_prefix("//") {
        Some(with_host) => with_host.split_once('/').map_or("", |(_, path)| path),
        None => rest,
    };
    Ok(path.trim_matches('/').to_string())
}

/// Artifact paths are relative and `/`-separated, without `..` or empty parts.
fn check_artifact_path(path: &str) -> Result<(), SyncError> {
    let bad = path.is_empty()
        || path
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..");
    if bad {
        return Err(SyncError::InvalidInput(format!(
            "the artifact path {path:?} must be relative, like model/MLmodel"
        )));
    }
    Ok(())
}

impl<C: HttpClient> MlflowSync<C> {
    /// PUTs one file; the server overwrites, so repeating an upload is safe.
    pub(crate) async fn upload_artifact(
        &self,
        root: &str,
        path: &str,
        bytes: &[u8],
    ) -> Result<(), SyncError> {
        check_artifact_path(path)?;
        let url_path = format!(
            "/api/2.0/mlflow-artifacts/artifacts/{}/{}",
            percent_encode(root, true),
            percent_encode(path, true)
        );
        let response = self
            .send(
                HttpMethod::Put,
                &url_path,
                Some(("application/octet-stream", bytes.to_vec())),
            )
            .await?;
        match response.status {
            200..=299 => Ok(()),
            503 => Err(SyncError::ArtifactsNotProxied),
            _ => Err(SyncError::from_status(&self.config().base_url, &response)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_roots_come_from_proxied_uris_only() {
        assert_eq!(
            artifact_root("mlflow-artifacts:/1/abc/artifacts")
                .ok()
                .as_deref(),
            Some("1/abc/artifacts")
        );
        assert_eq!(
            artifact_root("mlflow-artifacts://host:5000/1/abc/artifacts")
                .ok()
                .as_deref(),
            Some("1/abc/artifacts")
        );
        assert_eq!(
            artifact_root("s3://bucket/1/abc/artifacts"),
            Err(SyncError::ArtifactsNotProxied)
        );
        assert!(check_artifact_path("model/MLmodel").is_ok());
        assert!(check_artifact_path("../etc/passwd").is_err());
        assert!(check_artifact_path("/abs").is_err());
    }
}
