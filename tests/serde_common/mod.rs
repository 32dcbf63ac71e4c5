//! Re-sealing edited documents, as the format describes it: the CRC-32 of the compact text up
//! to the `checksum` member, which comes last. Tests edit saved files through this to reach the
//! checks behind the checksum.
#![allow(dead_code)]

use serde_json::Value;

/// `value` as sealed compact JSON: nested objects that carry a checksum (a checkpoint's model)
/// are sealed anew too.
pub fn seal(value: &Value) -> String {
    let Value::Object(members) = value else {
        return value.to_string();
    };
    let sealed = members.contains_key("checksum");
    let body: Vec<String> = members
        .iter()
        .filter(|(key, _)| *key != "checksum")
        .map(|(key, member)| format!("{}:{}", Value::from(key.as_str()), seal(member)))
        .collect();
    let text = format!("{{{}", body.join(","));
    if sealed {
        let sum = crc32fast::hash(text.as_bytes());
        format!("{text},\"checksum\":\"crc32:{sum:08x}\"}}")
    } else {
        format!("{text}}}")
    }
}

/// `json` edited by `f` and sealed anew.
pub fn edit(json: &str, f: impl FnOnce(&mut Value)) -> String {
    let mut value: Value = serde_json::from_str(json).unwrap();
    f(&mut value);
    seal(&value)
}
