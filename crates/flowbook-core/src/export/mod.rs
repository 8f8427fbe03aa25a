//! A trained model as an MLflow Model directory (ONNX flavor) that MLflow's Python tooling loads.
