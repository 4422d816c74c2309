//! The one error type of this crate: what went wrong, and where.

use std::fmt;
use std::path::{Path, PathBuf};

/// What was wrong with an input or output file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormatErrorKind {
    /// The file could not be opened, read or written.
    Io(String),
    /// A required column is absent from the header.
    MissingColumn,
    /// The same column appears twice in the header.
    DuplicateColumn,
    /// A row has a different number of fields from the header.
    FieldCount {
        /// Fields in the header.
        expected: u64,
        /// Fields in the row.
        found: u64,
    },
    /// A field is longer than its limit.
    FieldTooLong {
        /// The limit, in bytes.
        limit_bytes: usize,
    },
    /// A required field is empty.
    Empty,
    /// A value is malformed (the message says how, never what it was).
    Malformed(String),
    /// The file is larger than its limit.
    FileTooLarge {
        /// The limit, in bytes.
        limit_bytes: u64,
    },
    /// Too many rows.
    TooManyRows {
        /// The most rows (or list items, such as a letter's recipients) allowed.
        limit: u64,
    },
    /// The subjects file does not hash to `subjects_sha256`.
    HashMismatch,
    /// The same subject reference appears twice.
    DuplicateRef {
        /// The line where it first appeared.
        first_line: u64,
    },
    /// The text is not valid UTF-8.
    NotUtf8,
}

/// An error reading or writing a file of the contract: file, line, field, kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FormatError {
    /// The file the error is about, as the caller named it.
    pub path: PathBuf,
    /// 1-based line, when the error is inside the file.
    pub line: Option<u64>,
    /// The field (column or JSON key), when known.
    pub field: Option<String>,
    /// What was wrong.
    pub kind: FormatErrorKind,
}

impl FormatError {
    /// An error about a whole file.
    pub fn file(path: &Path, kind: FormatErrorKind) -> FormatError {
        FormatError {
            path: path.to_path_buf(),
            line: None,
            field: None,
            kind,
        }
    }

    /// An error at a line and field of a file.
    pub fn at(path: &Path, line: u64, field: &str, kind: FormatErrorKind) -> FormatError {
        FormatError {
            path: path.to_path_buf(),
            line: Some(line),
            field: Some(field.to_string()),
            kind,
        }
    }

    /// An I/O error on a file.
    pub fn io(path: &Path, err: &std::io::Error) -> FormatError {
        FormatError::file(path, FormatErrorKind::Io(err.kind().to_string()))
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ": line {line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field {field}")?;
        }
        match &self.kind {
            FormatErrorKind::Io(e) => write!(f, ": cannot access file: {e}"),
            FormatErrorKind::MissingColumn => write!(f, ": required column missing from header"),
            FormatErrorKind::DuplicateColumn => write!(f, ": column appears twice in header"),
            FormatErrorKind::FieldCount { expected, found } => {
                write!(f, ": row has {found} fields, header has {expected}")
            }
            FormatErrorKind::FieldTooLong { limit_bytes } => {
                write!(f, ": value longer than the limit of {limit_bytes} bytes")
            }
            FormatErrorKind::Empty => write!(f, ": required value is empty"),
            FormatErrorKind::Malformed(why) => write!(f, ": {why}"),
            FormatErrorKind::FileTooLarge { limit_bytes } => {
                write!(f, ": file larger than the limit of {limit_bytes} bytes")
            }
            FormatErrorKind::TooManyRows { limit } => write!(f, ": more than {limit} rows"),
            FormatErrorKind::HashMismatch => {
                write!(
                    f,
                    ": sha256 of the file differs from subjects_sha256 in request.json"
                )
            }
            FormatErrorKind::DuplicateRef { first_line } => {
                write!(f, ": subject_ref already used on line {first_line}")
            }
            FormatErrorKind::NotUtf8 => write!(f, ": text is not valid UTF-8"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_line_and_field_on_one_line() {
        let e = FormatError::at(
            Path::new("req/subjects.csv"),
            7,
            "zip",
            FormatErrorKind::Empty,
        );
        let s = e.to_string();
        assert_eq!(
            s,
            "req/subjects.csv: line 7: field zip: required value is empty"
        );
        assert!(!s.contains('\n'));
    }
}
