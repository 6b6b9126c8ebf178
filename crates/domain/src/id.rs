//! Identifiers and bounded ratings: the two value types every entity uses.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The identifier of an entity, unique among the entities of its kind in an
/// organisation. Human-chosen slugs (`hq`, `dc-1.hall-a`) so that organisation
/// files stay readable; 1 to 64 ASCII letters, digits, `-`, `_` or `.`,
/// starting with a letter or digit.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Id(String);

/// Why a string is not a valid [`Id`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("an id cannot be empty")]
    Empty,
    #[error("an id is at most 64 characters, this one has {0}")]
    TooLong(usize),
    #[error("an id must start with a letter or digit: {0:?}")]
    BadStart(String),
    #[error("an id may contain only letters, digits, '-', '_' and '.': {0:?} has {1:?}")]
    BadChar(String, char),
}

impl Id {
    pub const MAX_LEN: usize = 64;

    pub fn new(s: impl Into<String>) -> Result<Id, IdError> {
        let s = s.into();
        let len = s.chars().count();
        if len == 0 {
            return Err(IdError::Empty);
        }
        if len > Self::MAX_LEN {
            return Err(IdError::TooLong(len));
        }
        if !s.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err(IdError::BadStart(s));
        }
        if let Some(c) = s
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        {
            return Err(IdError::BadChar(s, c));
        }
        Ok(Id(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl std::str::FromStr for Id {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Id, IdError> {
        Id::new(s)
    }
}

impl AsRef<str> for Id {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Id, D::Error> {
        let s = String::deserialize(d)?;
        Id::new(s).map_err(serde::de::Error::custom)
    }
}

/// A rating on the 1..=10 scale used for asset value, threat and vulnerability
/// ratings (FEMA 426/452) and for criticality.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Rating(u8);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a rating is a whole number from 1 to 10, got {0}")]
pub struct RatingError(pub i64);

impl Rating {
    pub const MIN: Rating = Rating(1);
    pub const MAX: Rating = Rating(10);

    pub fn new(v: i64) -> Result<Rating, RatingError> {
        if (1..=10).contains(&v) {
            Ok(Rating(v as u8))
        } else {
            Err(RatingError(v))
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl fmt::Debug for Rating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for Rating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl<'de> Deserialize<'de> for Rating {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Rating, D::Error> {
        // Accept any integer so that "11" gets the rating message, not a type error.
        let v = i64::deserialize(d)?;
        Rating::new(v).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_accept_slugs_and_refuse_the_rest() {
        for ok in ["hq", "dc-1", "A.b_c", "9"] {
            assert!(Id::new(ok).is_ok(), "{ok}");
        }
        assert_eq!(Id::new(""), Err(IdError::Empty));
        assert!(matches!(Id::new("-x"), Err(IdError::BadStart(_))));
        assert!(matches!(Id::new("a b"), Err(IdError::BadChar(_, ' '))));
        assert!(matches!(Id::new("../etc"), Err(IdError::BadStart(_))));
        assert!(matches!(Id::new("a".repeat(65)), Err(IdError::TooLong(65))));
        assert!(Id::new("a".repeat(64)).is_ok());
    }

    #[test]
    fn ratings_are_one_to_ten() {
        assert!(Rating::new(0).is_err());
        assert!(Rating::new(11).is_err());
        assert_eq!(Rating::new(10).map(Rating::get), Ok(10));
        let err = serde_json::from_str::<Rating>("11").unwrap_err();
        assert!(err.to_string().contains("from 1 to 10, got 11"), "{err}");
        assert!(serde_json::from_str::<Rating>("-3").is_err());
        assert_eq!(serde_json::from_str::<Rating>("7").unwrap().get(), 7);
    }
}
