//! Shell variables: scalars, indexed arrays and associative arrays, with attributes.

use std::collections::BTreeMap;

/// A variable's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// A string.
    Str(String),
    /// An indexed array (sparse).
    Indexed(BTreeMap<i64, String>),
    /// An associative array.
    Assoc(BTreeMap<String, String>),
}

/// A variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Var {
    /// Its value.
    pub value: Value,
    /// Passed to child processes.
    pub exported: bool,
    /// Cannot be changed or unset.
    pub readonly: bool,
    /// Assignments are evaluated arithmetically (`declare -i`).
    pub integer: bool,
}

impl Var {
    /// A plain string variable.
    pub fn str(s: impl Into<String>) -> Var {
        Var {
            value: Value::Str(s.into()),
            exported: false,
            readonly: false,
            integer: false,
        }
    }

    /// The value as a scalar: a string, or element 0 of an array.
    pub fn scalar(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            Value::Indexed(m) => m.get(&0).map(String::as_str),
            Value::Assoc(m) => m.get("0").map(String::as_str),
        }
    }

    /// Every element (a scalar is one element), in index order.
    pub fn values(&self) -> Vec<String> {
        match &self.value {
            Value::Str(s) => vec![s.clone()],
            Value::Indexed(m) => m.values().cloned().collect(),
            Value::Assoc(m) => m.values().cloned().collect(),
        }
    }

    /// Every key (`${!a[@]}`).
    pub fn keys(&self) -> Vec<String> {
        match &self.value {
            Value::Str(_) => vec!["0".to_owned()],
            Value::Indexed(m) => m.keys().map(|k| k.to_string()).collect(),
            Value::Assoc(m) => m.keys().cloned().collect(),
        }
    }
}

/// Whether `s` is a valid variable name.
pub fn is_name(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch == '_' || ch.is_ascii_alphabetic())
        && c.all(|ch| ch == '_' || ch.is_ascii_alphanumeric())
}
