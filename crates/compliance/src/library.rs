//! The frameworks shipped with Rampart, by name: the physical security
//! inspection checklist and the NIST SP 800-53 rev5 baselines.
//!
//! One catalog is embedded, NIST's resolved HIGH baseline (minified JSON,
//! about 2.1 MB), with the LOW and MODERATE baseline profiles (15 kB): every
//! LOW and MODERATE control is in HIGH with the same content, so resolving
//! those profiles against it gives the resolved LOW and MODERATE catalogs
//! that NIST publishes (the tests compare the MODERATE one). Nothing is
//! parsed until a framework is asked for.

use crate::checklist::physical_security;
use crate::framework::Framework;
use crate::oscal::{Catalog, CatalogSources, OscalError, parse_catalog, parse_profile, resolve};

/// The prefix of a framework source that names a built-in framework.
pub const BUILTIN_PREFIX: &str = "builtin:";

const HIGH_CATALOG: &str = include_str!(
    "../tests/data/NIST_SP-800-53_rev5_HIGH-baseline-resolved-profile_catalog-min.json"
);
const MODERATE_PROFILE: &str =
    include_str!("../tests/data/NIST_SP-800-53_rev5_MODERATE-baseline_profile.json");
const LOW_PROFILE: &str =
    include_str!("../tests/data/NIST_SP-800-53_rev5_LOW-baseline_profile.json");

/// The href under which the baseline profiles import the rev5 catalog.
const CATALOG_HREF: &str = "NIST_SP-800-53_rev5_catalog.json";

/// A framework shipped with Rampart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Builtin {
    /// The name after `builtin:`.
    pub name: &'static str,
    pub title: &'static str,
}

/// Every built-in framework.
pub const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "physical-security",
        title: "Physical security inspection checklist",
    },
    Builtin {
        name: "nist-sp-800-53-rev5-low",
        title: "NIST SP 800-53 Rev 5 LOW baseline",
    },
    Builtin {
        name: "nist-sp-800-53-rev5-moderate",
        title: "NIST SP 800-53 Rev 5 MODERATE baseline",
    },
    Builtin {
        name: "nist-sp-800-53-rev5-high",
        title: "NIST SP 800-53 Rev 5 HIGH baseline",
    },
];

/// The catalog of a built-in 800-53 baseline (`None` for another name).
pub fn builtin_catalog(name: &str) -> Option<Result<Catalog, OscalError>> {
    let profile = match name {
        "nist-sp-800-53-rev5-high" => return Some(parse_catalog(HIGH_CATALOG)),
        "nist-sp-800-53-rev5-moderate" => MODERATE_PROFILE,
        "nist-sp-800-53-rev5-low" => LOW_PROFILE,
        _ => return None,
    };
    Some((|| {
        let high = parse_catalog(HIGH_CATALOG)?;
        let profile = parse_profile(profile)?;
        resolve(&profile, &CatalogSources::new().with(CATALOG_HREF, &high))
    })())
}

/// The built-in framework `name` (with or without the `builtin:` prefix),
/// under the id `id`; `None` when there is no such built-in.
pub fn builtin(name: &str, id: &str) -> Option<Result<Framework, OscalError>> {
    let name = name.strip_prefix(BUILTIN_PREFIX).unwrap_or(name);
    if name == "physical-security" {
        let mut f = physical_security();
        f.id = id.to_owned();
        return Some(Ok(f));
    }
    let title = BUILTINS.iter().find(|b| b.name == name)?.title;
    Some(builtin_catalog(name)?.map(|c| {
        let mut f = Framework::from_catalog(id, &c);
        f.title = title.to_owned();
        f
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_loads() {
        for b in BUILTINS {
            let f = builtin(b.name, "x").unwrap().unwrap();
            assert_eq!(f.id, "x");
            assert!(!f.is_empty(), "{}", b.name);
        }
        assert!(builtin("iso-27001", "x").is_none());
        let count = |n| builtin_catalog(n).unwrap().unwrap().count().total();
        // NIST SP 800-53B: 149 / 287 / 370 controls and enhancements.
        assert_eq!(count("nist-sp-800-53-rev5-low"), 149);
        assert_eq!(count("nist-sp-800-53-rev5-moderate"), 287);
        assert_eq!(count("nist-sp-800-53-rev5-high"), 370);
    }
}
