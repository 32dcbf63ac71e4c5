//! Versioned JSON documents of the crate's newer file kinds (scalers, deployment pipelines):
//! the common header, size limit and atomic save.

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::io::{check_size, write_atomically};
use crate::{Error, Result};

/// A document type: its `format` name and the one `version` this release writes and reads.
pub(crate) trait Document: Serialize + DeserializeOwned {
    const FORMAT: &'static str;
    const VERSION: u64;
}

/// The first fields of every document, read before the rest.
#[derive(serde::Deserialize)]
struct Envelope {
    format: String,
    version: u64,
}

fn corrupt(reason: impl std::fmt::Display) -> Error {
    Error::CorruptModel {
        reason: reason.to_string(),
    }
}

/// The document as compact JSON.
pub(crate) fn write_document<D: Document>(document: &D) -> String {
    // Serialising plain structs of numbers, strings and vectors cannot fail.
    serde_json::to_string(document).expect("documents serialise")
}

/// Reads a document: size limit, format name and version first, then the whole of it.
pub(crate) fn read_document<D: Document>(json: &[u8]) -> Result<D> {
    check_size(json.len())?;
    let envelope: Envelope = serde_json::from_slice(json).map_err(corrupt)?;
    if envelope.format != D::FORMAT {
        return Err(corrupt(format_args!(
            "format is {:?}, expected {:?}",
            envelope.format,
            D::FORMAT
        )));
    }
    if envelope.version != D::VERSION {
        return Err(Error::UnsupportedVersion {
            found: envelope.version,
            supported: D::VERSION,
        });
    }
    serde_json::from_slice(json).map_err(corrupt)
}

/// Writes a document and a final newline to `path`, atomically.
pub(crate) fn write_document_file(path: &Path, mut json: String) -> Result<()> {
    json.push('\n');
    write_atomically(path, json.as_bytes())
}
