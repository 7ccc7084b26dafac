//! Output formats with no reader: STIG Viewer's CSV and an eMASS POA&M
//! draft (CSV or .xlsx). XCCDF results, which stigkit also reads, are
//! written by [`crate::xccdf_results::write`].

pub mod csv;
pub mod nist;
pub mod poam;

use crate::model::{Asset, StigChecklist};

/// `<host>_<stig_id>_V<v>R<r>-xccdf.xml`: the name of one STIG's XCCDF
/// results when a checklist is exported into a folder. Characters a file
/// name should not hold become `_`; a name too long for a file system
/// (255 bytes) keeps its first 180 characters and a hash of the whole.
pub fn xccdf_file_name(asset: &Asset, stig: &StigChecklist) -> String {
    let mut name = format!("{}_{}", asset.host_name, stig.info.stig_id);
    if let Some(rev) = stig.revision() {
        name.push_str(&format!("_{rev}"));
    }
    let mut name = crate::output::safe_file_chars(&name);
    if name.len() > 200 {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(name.as_bytes());
        name.truncate(180);
        name.push('_');
        for b in &digest[..4] {
            name.push_str(&format!("{b:02x}"));
        }
    }
    format!("{name}-xccdf.xml")
}

/// A cell that cannot run as a spreadsheet formula. Excel, LibreOffice and
/// Google Sheets evaluate a cell starting with `=`, `+`, `-`, `@`, a tab or
/// a carriage return (or their full-width forms) when the file is opened;
/// as OWASP recommends, such a cell gets a leading `'`, which the
/// spreadsheet shows as text. Applied to every CSV and .xlsx cell.
pub fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '＝' | '＋' | '－' | '＠') => {
            format!("'{cell}").into()
        }
        _ => cell.into(),
    }
}

/// Writes rows with the csv crate: RFC 4180 quoting (fields with commas,
/// quotes or line breaks quoted, quotes doubled), CRLF line ends as
/// spreadsheet tools expect, every cell [`spreadsheet_safe`].
fn to_csv<'a>(
    header: &[&str],
    rows: impl Iterator<Item = Vec<String>> + 'a,
) -> Result<Vec<u8>, ::csv::Error> {
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(header)?;
    for row in rows {
        w.write_record(row.iter().map(|c| spreadsheet_safe(c).into_owned()))?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}
