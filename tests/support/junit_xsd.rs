//! Validation against the JUnit XSD itself (`tests/data/junit/junit-10.xsd`, Jenkins' xunit
//! plugin's, see the README beside it) with `xmllint --schema` from libxml2-utils, which
//! scripts/test installs. Without xmllint the tests fail, never skip.

#![allow(dead_code)]

use std::process::Command;

pub const JUNIT_XSD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/junit/junit-10.xsd");

/// `Ok` when the document validates against junit-10.xsd, else what xmllint says is wrong.
pub fn validate_junit_xsd(xml: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    let file = dir.path().join("junit.xml");
    std::fs::write(&file, xml).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let out = Command::new("xmllint")
        .args(["--noout", "--schema", JUNIT_XSD])
        .arg(&file)
        .output()
        .unwrap_or_else(|e| {
            panic!("xmllint (apt-get install libxml2-utils; scripts/test installs it): {e}")
        });
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    if out.status.success() && said.contains("validates") {
        Ok(())
    } else {
        Err(said)
    }
}
