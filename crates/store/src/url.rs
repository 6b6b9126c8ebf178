//! Database URLs, which may hold a password: their `Debug` and `Display`
//! forms never show it, so a URL can be logged or put in an error safely.

use std::fmt;

use crate::Backend;

#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn new(url: impl Into<String>) -> DatabaseUrl {
        DatabaseUrl(url.into())
    }

    /// The URL with its password, for the driver only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The backend the URL's scheme names, if Rampart knows it.
    pub fn backend(&self) -> Option<Backend> {
        let scheme = self.0.split_once(':').map(|(s, _)| s)?;
        match scheme {
            "sqlite" => Some(Backend::Sqlite),
            "postgres" | "postgresql" => Some(Backend::Postgres),
            _ => None,
        }
    }

    /// The URL with any password replaced by `***`.
    pub fn redacted(&self) -> String {
        let Some((scheme, rest)) = self.0.split_once("://") else {
            return self.0.clone();
        };
        // userinfo ends at the last '@' before the first '/'.
        let authority_end = rest.find('/').unwrap_or(rest.len());
        let authority = &rest[..authority_end];
        match authority.rfind('@') {
            Some(at) => {
                let userinfo = &authority[..at];
                let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
                let masked = if userinfo.contains(':') {
                    format!("{user}:***")
                } else {
                    user.to_owned()
                };
                format!("{scheme}://{masked}{}", &rest[at..])
            }
            None => self.0.clone(),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({:?})", self.redacted())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        let u = DatabaseUrl::new("postgres://rampart:s3cr%40t@db.internal:5432/rampart");
        assert_eq!(
            u.to_string(),
            "postgres://rampart:***@db.internal:5432/rampart"
        );
        assert!(!format!("{u:?}").contains("s3cr"));
        assert_eq!(u.backend(), Some(Backend::Postgres));
        let s = DatabaseUrl::new("sqlite:///var/lib/rampart/rampart.db");
        assert_eq!(s.to_string(), "sqlite:///var/lib/rampart/rampart.db");
        assert_eq!(s.backend(), Some(Backend::Sqlite));
        assert_eq!(
            DatabaseUrl::new("postgres://u@h/db").to_string(),
            "postgres://u@h/db"
        );
        assert_eq!(DatabaseUrl::new("mysql://x").backend(), None);
    }
}
