//! Validation against the JUnit XSD itself (Jenkins' xunit plugin's junit-10.xsd, see
//! tests/data/junit/README.md) with `xmllint --schema` from libxml2-utils. scripts/test installs
//! xmllint and puts the XSD at `$DROVER_JUNIT_XSD` (cached, checksum pinned). Without either the
//! tests fail, never skip.

#![allow(dead_code)]

use std::process::Command;

/// Where scripts/test put the XSD.
pub fn junit_xsd() -> std::path::PathBuf {
    let path = std::env::var_os("DROVER_JUNIT_XSD")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            panic!("DROVER_JUNIT_XSD is not set: scripts/test fetches the JUnit XSD and sets it")
        });
    assert!(
        path.is_file(),
        "{} is missing: scripts/test fetches it (see tests/data/junit/README.md)",
        path.display()
    );
    path
}

/// `Ok` when the document validates against junit-10.xsd, else what xmllint says is wrong.
pub fn validate_junit_xsd(xml: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    let file = dir.path().join("junit.xml");
    std::fs::write(&file, xml).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let out = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(junit_xsd())
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
