//! Output formats with no reader: STIG Viewer's CSV and an eMASS POA&M
//! draft. XCCDF results, which stigkit also reads, are written by
//! [`crate::xccdf_results::write`].

pub mod csv;
pub mod poam;

use crate::model::{Asset, StigChecklist};

/// `<host>_<stig_id>_V<v>R<r>-xccdf.xml`: the name of one STIG's XCCDF
/// results when a checklist is exported into a folder. Characters a file
/// name should not hold become `_`.
pub fn xccdf_file_name(asset: &Asset, stig: &StigChecklist) -> String {
    let mut name = format!("{}_{}", asset.host_name, stig.info.stig_id);
    if let Some(rev) = stig.revision() {
        name.push_str(&format!("_{rev}"));
    }
    format!("{}-xccdf.xml", crate::output::safe_file_chars(&name))
}

/// Writes rows with the csv crate: RFC 4180 quoting (fields with commas,
/// quotes or line breaks quoted, quotes doubled), CRLF line ends as
/// spreadsheet tools expect.
fn to_csv<'a>(
    header: &[&str],
    rows: impl Iterator<Item = Vec<String>> + 'a,
) -> Result<Vec<u8>, ::csv::Error> {
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(header)?;
    for row in rows {
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}
