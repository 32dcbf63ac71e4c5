//! Helpers shared by the fuzz targets.

/// Seals `body` as the crate's documents are sealed: a JSON object whose last member is
/// `"checksum":"crc32:…"`, the CRC-32 of the text before it. Random bytes almost never carry a
/// valid checksum, so without this the fuzzer would stop at the seal and never reach the
/// parsing and the checks behind it. `None` unless `body` ends with `}` (then it is no object).
pub fn seal(body: &[u8]) -> Option<Vec<u8>> {
    let open = body.trim_ascii_end().strip_suffix(b"}")?;
    let mut sealed = open.to_vec();
    let sum = crc32fast::hash(open);
    sealed.extend_from_slice(format!(",\"checksum\":\"crc32:{sum:08x}\"}}").as_bytes());
    Some(sealed)
}

/// Each input as given (the seal itself is under test) and, where it can be, sealed.
pub fn as_given_and_sealed(data: &[u8]) -> impl Iterator<Item = Vec<u8>> {
    std::iter::once(data.to_vec()).chain(seal(data))
}
