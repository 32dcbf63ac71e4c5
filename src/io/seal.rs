//! Sealed JSON documents: compact JSON whose last member is the CRC-32 of the text before it.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::format::{check_size, corrupt};
use super::fs::read_limited;
use crate::error::{Error, Result};

/// The seal: `,"checksum":"crc32:` + eight lower-case hex digits + `"}`, the end of a document.
const SEAL_HEAD: &[u8] = b",\"checksum\":\"crc32:";
const SEAL_LEN: usize = SEAL_HEAD.len() + 8 + 2;

/// Serialises `doc` (which must serialise as a JSON object with at least one member) as compact
/// JSON sealed with a checksum: the CRC-32 of the text up to the new last member,
/// `"checksum":"crc32:XXXXXXXX"`. [`from_sealed_json`] and [`load_sealed_json`] verify it.
///
/// # Errors
/// [`Error::CorruptModel`] when `doc` does not serialise to a non-empty JSON object.
pub(crate) fn to_sealed_json<T: Serialize + ?Sized>(doc: &T) -> Result<String> {
    let mut json = serde_json::to_string(doc).map_err(corrupt)?;
    if !(json.len() > 2 && json.starts_with('{') && json.ends_with('}')) {
        return Err(corrupt("only a non-empty JSON object can be sealed"));
    }
    json.pop();
    let sum = crc32fast::hash(json.as_bytes());
    // Writing to a String cannot fail.
    write!(json, ",\"checksum\":\"crc32:{sum:08x}\"}}").expect("formatting into a String");
    Ok(json)
}

/// Reads a sealed document of kind `format`, version `version` (written by
/// [`to_sealed_json`]): checks the size, the format name and the version, verifies the checksum,
/// then parses `T` (which sees the document without its `checksum` member).
///
/// # Errors
/// [`Error::ModelTooLarge`]; [`Error::CorruptModel`] for malformed JSON, another format name, a
/// missing or malformed checksum, or a document `T` refuses; [`Error::UnsupportedVersion`];
/// [`Error::ChecksumMismatch`].
pub(crate) fn from_sealed_json<T: DeserializeOwned>(
    json: &[u8],
    format: &str,
    version: u64,
) -> Result<T> {
    let body = open_sealed(Cow::Borrowed(json), format, version, None)?;
    serde_json::from_slice(&body).map_err(corrupt)
}

/// As [`from_sealed_json`], from a file read with [`read_limited`] (without copying it).
///
/// # Errors
/// [`Error::Io`], and as [`from_sealed_json`].
pub(crate) fn load_sealed_json<T: DeserializeOwned>(
    path: &Path,
    format: &str,
    version: u64,
) -> Result<T> {
    let body = open_sealed(Cow::Owned(read_limited(path)?), format, version, None)?;
    serde_json::from_slice(&body).map_err(corrupt)
}

/// Checks the size, format name and version of a JSON document, then its checksum: the text to
/// parse, which is the document without its `checksum` member (the input as it is for the
/// `unsealed` version, which has none).
///
/// The version is checked before the seal, so that a later version (which may seal otherwise)
/// is reported as such.
pub(crate) fn open_sealed<'a>(
    json: Cow<'a, [u8]>,
    format: &str,
    version: u64,
    unsealed: Option<u64>,
) -> Result<Cow<'a, [u8]>> {
    check_size(json.len())?;
    let envelope: Envelope = serde_json::from_slice(&json).map_err(corrupt)?;
    if envelope.format != format {
        return Err(corrupt(format_args!(
            "format is {:?}, expected {format:?}",
            envelope.format
        )));
    }
    if unsealed == Some(envelope.version) {
        return Ok(json);
    }
    if envelope.version != version {
        return Err(Error::UnsupportedVersion {
            found: envelope.version,
            supported: version,
        });
    }
    let cut = unseal(&json)?;
    Ok(match json {
        Cow::Borrowed(json) => {
            let mut body = Vec::with_capacity(cut + 1);
            body.extend_from_slice(&json[..cut]);
            body.push(b'}');
            Cow::Owned(body)
        }
        Cow::Owned(mut body) => {
            body.truncate(cut);
            body.push(b'}');
            Cow::Owned(body)
        }
    })
}

/// Verifies the seal at the end of a JSON document (which has parsed): where the checksum member
/// starts.
fn unseal(json: &[u8]) -> Result<usize> {
    let text = json.trim_ascii_end();
    let missing = || corrupt("the checksum is missing or malformed (it must be the last member)");
    let cut = text.len().checked_sub(SEAL_LEN).ok_or_else(missing)?;
    let (body, seal) = text.split_at(cut);
    let digits = seal
        .strip_prefix(SEAL_HEAD)
        .and_then(|rest| rest.strip_suffix(b"\"}"))
        .filter(|d| {
            d.iter()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
        })
        .ok_or_else(missing)?;
    let expected = std::str::from_utf8(digits)
        .ok()
        .and_then(|d| u32::from_str_radix(d, 16).ok())
        // Eight hexadecimal digits always make a u32.
        .expect("eight hex digits");
    let found = crc32fast::hash(body);
    if expected != found {
        return Err(Error::ChecksumMismatch { expected, found });
    }
    Ok(cut)
}

/// The first fields of every version of the format: read before anything else.
#[derive(Deserialize)]
struct Envelope {
    format: String,
    version: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealing_appends_the_checksum_of_the_text_before_it() {
        let json = to_sealed_json(&serde_json::json!({"format": "x", "version": 1})).unwrap();
        let body = r#"{"format":"x","version":1"#;
        let sum = crc32fast::hash(body.as_bytes());
        assert_eq!(json, format!(r#"{body},"checksum":"crc32:{sum:08x}"}}"#));
        let back: serde_json::Value = from_sealed_json(json.as_bytes(), "x", 1).unwrap();
        assert_eq!(back, serde_json::json!({"format": "x", "version": 1}));
        // Trailing white space is not part of the document.
        assert!(
            from_sealed_json::<serde_json::Value>(format!("{json}\n\t ").as_bytes(), "x", 1)
                .is_ok()
        );
        for not_an_object in [
            serde_json::json!([]),
            serde_json::json!({}),
            serde_json::json!(1),
        ] {
            assert!(to_sealed_json(&not_an_object).is_err());
        }
    }

    #[test]
    fn each_seal_failure_has_its_error() {
        let json =
            to_sealed_json(&serde_json::json!({"format": "x", "version": 1, "a": 5})).unwrap();
        let open = |s: &str| from_sealed_json::<serde_json::Value>(s.as_bytes(), "x", 1);
        assert!(matches!(
            open(&json.replace("\"a\":5", "\"a\":6")),
            Err(Error::ChecksumMismatch { .. })
        ));
        let digits = json.len() - 10..json.len() - 2;
        let upper = json.replace(&json[digits.clone()], &json[digits].to_uppercase());
        // Only lower-case digits are written, and only they are read.
        if upper != json {
            assert!(matches!(open(&upper), Err(Error::CorruptModel { .. })));
        }
        let unsealed = r#"{"format":"x","version":1,"a":5}"#;
        assert!(matches!(open(unsealed), Err(Error::CorruptModel { .. })));
        assert!(matches!(
            from_sealed_json::<serde_json::Value>(json.as_bytes(), "y", 1),
            Err(Error::CorruptModel { .. })
        ));
        assert!(matches!(
            from_sealed_json::<serde_json::Value>(json.as_bytes(), "x", 2),
            Err(Error::UnsupportedVersion {
                found: 1,
                supported: 2
            })
        ));
    }
}
