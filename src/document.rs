//! The scaler and deployment files: versioned, sealed JSON documents (see the checksum helpers
//! in `io`), one `format` name and `version` per document type.

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::Result;
use crate::io;

/// A document type: its `format` name and the one `version` this release writes and reads.
pub(crate) trait Document: Serialize + DeserializeOwned {
    const FORMAT: &'static str;
    const VERSION: u64;
}

/// The document as compact JSON with its checksum.
pub(crate) fn write_document<D: Document>(document: &D) -> String {
    // Document types are structs of numbers, strings and vectors: they serialise to a JSON
    // object, the one thing sealing asks for.
    io::to_sealed_json(document).expect("a document serialises to a JSON object")
}

/// Reads a document: size limit, format name and version, checksum, then the whole of it.
pub(crate) fn read_document<D: Document>(json: &[u8]) -> Result<D> {
    io::from_sealed_json(json, D::FORMAT, D::VERSION)
}

/// Reads a document from a file (at most [`MAX_MODEL_BYTES`](crate::MAX_MODEL_BYTES)).
pub(crate) fn load_document<D: Document>(path: &Path) -> Result<D> {
    io::load_sealed_json(path, D::FORMAT, D::VERSION)
}
