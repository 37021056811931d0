//! Values crossing the boundary. Tokens cross as tuples of ten `str | None`, in `Token::FIELDS`
//! order; the pure Python layer turns them into the SDK's `OAuthToken` objects. Durations cross
//! as a number of seconds.
//!
//! Inbound strings are moved into the token (secrets into `Secret`, wiped on drop), never copied;
//! outbound secrets become Python strings because the SDK needs them as such.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use tokenvault::Token;

/// A token from the ten fields. `None` is absent; `""` is kept as given (it selects a lookup rule).
pub(crate) fn token_from_fields(fields: Vec<Option<String>>) -> PyResult<Token> {
    if fields.len() != Token::FIELDS.len() {
        return Err(PyValueError::new_err(format!(
            "a token is {} fields ({}), got {}",
            Token::FIELDS.len(),
            Token::FIELDS.join(", "),
            fields.len()
        )));
    }
    let mut token = Token::new();
    for (name, value) in Token::FIELDS.iter().zip(fields) {
        token.set_field(name, value);
    }
    Ok(token)
}

/// The token as a tuple of ten `str | None`.
pub(crate) fn fields_tuple<'py>(py: Python<'py>, token: &Token) -> PyResult<Bound<'py, PyTuple>> {
    PyTuple::new(py, Token::FIELDS.iter().map(|name| token.field(name)))
}

/// Tokens as a list of tuples.
pub(crate) fn fields_list<'py>(py: Python<'py>, tokens: &[Token]) -> PyResult<Bound<'py, PyList>> {
    let tuples = tokens
        .iter()
        .map(|t| fields_tuple(py, t))
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, tuples)
}

/// `value` seconds as a duration; a `ValueError` naming `name` when it is not a number >= 0.
pub(crate) fn seconds(name: &str, value: f64) -> PyResult<std::time::Duration> {
    std::time::Duration::try_from_secs_f64(value).map_err(|_| {
        PyValueError::new_err(format!(
            "{name} must be a number of seconds >= 0, got {value}"
        ))
    })
}
