//! The notebook document: ordered cells, their settings, the dataflow between them, and the versioned file format.
