//! Library errors as Python exceptions: the caller's bad input is a
//! `ValueError`, a missing file `FileNotFoundError`, other I/O `OSError`, a
//! photo without a face `mien.NoFaceError`, a bad model file
//! `mien.ModelFileError`; everything else `mien.MienError` (the base of the
//! two mien classes). The message is the library's, whole chain included.

use std::io::ErrorKind;

use mien::core::Error as CoreError;
use mien::Error;
use pyo3::exceptions::{PyException, PyFileNotFoundError, PyOSError, PyValueError};
use pyo3::prelude::*;

pyo3::create_exception!(
    mien,
    MienError,
    PyException,
    "Base class of mien's own exceptions (bad input is a ValueError, a missing file a FileNotFoundError)."
);
pyo3::create_exception!(
    mien,
    NoFaceError,
    MienError,
    "No face was found in a photo, or the face number asked for does not exist."
);
pyo3::create_exception!(
    mien,
    ModelFileError,
    MienError,
    "A model or statistics file that is not a mien file, is damaged, of another kind or of an unsupported version."
);

/// Adds the exception classes to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("MienError", py.get_type::<MienError>())?;
    m.add("NoFaceError", py.get_type::<NoFaceError>())?;
    m.add("ModelFileError", py.get_type::<ModelFileError>())?;
    Ok(())
}

/// Which Python exception class an error becomes.
enum Class {
    Value,
    NotFound,
    Os,
    NoFace,
    ModelFile,
    Other,
}

fn core_class(e: &CoreError) -> Class {
    match e {
        CoreError::Io { error, .. } if error.kind() == ErrorKind::NotFound => Class::NotFound,
        CoreError::Io { .. } => Class::Os,
        CoreError::NotAModel { .. }
        | CoreError::UnsupportedVersion { .. }
        | CoreError::WrongKind { .. }
        | CoreError::CorruptModel { .. }
        | CoreError::Npz { .. } => Class::ModelFile,
        _ => Class::Value,
    }
}

fn class(e: &Error) -> Class {
    match e {
        Error::NoFace | Error::NoSuchFace { .. } => Class::NoFace,
        Error::Context { inner, .. } => class(inner),
        Error::Core(c) => core_class(c),
        Error::Face(mien::face::Error::Core(c)) | Error::Deform(mien::deform::Error::Core(c)) => core_class(c),
        Error::Face(mien::face::Error::NoFace { .. }) => Class::NoFace,
        Error::Face(mien::face::Error::CorruptWeights(_)) => Class::Other,
        Error::Face(_) | Error::Deform(_) => Class::Value,
        Error::UnknownModel { .. } => Class::NotFound,
        Error::Read { error, .. } if error.kind() == ErrorKind::NotFound => Class::NotFound,
        Error::Read { .. } => Class::Os,
        Error::UnknownExpression { .. }
        | Error::Intensity(_)
        | Error::NotAuModel
        | Error::NotLocalModel
        | Error::Json { .. } => Class::Value,
        _ => Class::Other,
    }
}

/// The Python exception for a library error.
pub fn to_py(e: Error) -> PyErr {
    let msg = e.to_string();
    match class(&e) {
        Class::Value => PyValueError::new_err(msg),
        Class::NotFound => PyFileNotFoundError::new_err(msg),
        Class::Os => PyOSError::new_err(msg),
        Class::NoFace => NoFaceError::new_err(msg),
        Class::ModelFile => ModelFileError::new_err(msg),
        Class::Other => MienError::new_err(msg),
    }
}

/// The Python exception for a core-crate error.
pub fn core_to_py(e: CoreError) -> PyErr {
    to_py(Error::Core(e))
}

/// A `ValueError` with this message.
pub fn value_error(msg: impl Into<String>) -> PyErr {
    PyValueError::new_err(msg.into())
}

/// `?` for library results.
pub trait IntoPyResult<T> {
    /// Converts the error into the matching Python exception.
    fn py(self) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for Result<T, Error> {
    fn py(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}

impl<T> IntoPyResult<T> for Result<T, CoreError> {
    fn py(self) -> PyResult<T> {
        self.map_err(core_to_py)
    }
}
