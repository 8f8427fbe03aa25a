//! The local run store's logic: experiments, run search with MLflow's filter syntax, the model registry, and experiment files.
