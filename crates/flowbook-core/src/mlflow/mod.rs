//! Sync with an MLflow tracking server over its REST API, behind a small HTTP trait.
