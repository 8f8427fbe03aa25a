//! What the Evaluate cell and the charts show, computed from a trained model and prepared rows.
