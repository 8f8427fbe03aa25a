//! Runs as Flowbook records them: params, metric histories, tags, dataset inputs, artifacts.
