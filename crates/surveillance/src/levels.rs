//! Image-detail levels: named pixel densities an operator needs for a task (detect a person,
//! identify a face), grouped into selectable profiles.
//!
//! Two standard profiles are built in: IEC/EN 62676-4:2015 (Monitor 12.5, Detect 25, Observe
//! 62.5, Recognise 125, Identify 250, Inspect 1000 px/m) and the 2025 edition's seven levels
//! (20, 40, 80, 125, 250, 500, 1500 px/m). The 2025 names (Overview, Outline, Discern,
//! Perceive, Characterise, Validate, Scrutinise: "OODPCVS") are taken from the vendors'
//! published summaries of the standard (JVSG's article "New Standard for Video Surveillance:
//! IEC/EN 62676-4:2025 OODPCVS", and Hikvision's and Axis's notes on the 2025 edition), since the
//! standard itself is not freely available. Custom profiles are allowed. Which camera reaches
//! which level where is left to [`crate::coverage`].

use thiserror::Error;

/// One named level and the pixel density it needs, in px/m.
#[derive(Clone, Debug, PartialEq)]
pub struct Level {
    pub name: String,
    pub min_ppm: f64,
}

/// A set of levels, kept in ascending order of pixel density.
#[derive(Clone, Debug, PartialEq)]
pub struct LevelProfile {
    pub name: String,
    levels: Vec<Level>,
}

#[derive(Debug, Error, Clone, PartialEq)]
pub enum LevelError {
    #[error("unknown level {0:?}")]
    UnknownLevel(String),
    #[error("unknown level profile {0:?} (known: iec62676-2015, iec62676-2025)")]
    UnknownProfile(String),
    #[error("level {name:?} needs a positive pixel density, got {ppm}")]
    BadDensity { name: String, ppm: f64 },
    #[error("level {0:?} is named twice")]
    Duplicate(String),
    #[error("a level profile needs at least one level")]
    Empty,
}

const IEC_2015: [(&str, f64); 6] = [
    ("monitor", 12.5),
    ("detect", 25.0),
    ("observe", 62.5),
    ("recognise", 125.0),
    ("identify", 250.0),
    ("inspect", 1000.0),
];

const IEC_2025: [(&str, f64); 7] = [
    ("overview", 20.0),
    ("outline", 40.0),
    ("discern", 80.0),
    ("perceive", 125.0),
    ("characterise", 250.0),
    ("validate", 500.0),
    ("scrutinise", 1500.0),
];

/// American spellings users type, mapped to the names used here.
fn canonical(name: &str) -> String {
    let lower = name.trim().to_ascii_lowercase();
    match lower.as_str() {
        "recognize" => "recognise".into(),
        "characterize" => "characterise".into(),
        "scrutinize" => "scrutinise".into(),
        _ => lower,
    }
}

impl LevelProfile {
    /// A profile from `(name, px/m)` pairs, in any order.
    pub fn custom(name: &str, levels: &[(String, f64)]) -> Result<LevelProfile, LevelError> {
        if levels.is_empty() {
            return Err(LevelError::Empty);
        }
        let mut out: Vec<Level> = Vec::with_capacity(levels.len());
        for (n, ppm) in levels {
            let n = canonical(n);
            if !(ppm.is_finite() && *ppm > 0.0) {
                return Err(LevelError::BadDensity { name: n, ppm: *ppm });
            }
            if out.iter().any(|l| l.name == n) || n == "visible" {
                return Err(LevelError::Duplicate(n));
            }
            out.push(Level {
                name: n,
                min_ppm: *ppm,
            });
        }
        out.sort_by(|a, b| a.min_ppm.total_cmp(&b.min_ppm));
        Ok(LevelProfile {
            name: name.to_string(),
            levels: out,
        })
    }

    fn builtin(name: &str, table: &[(&str, f64)]) -> LevelProfile {
        LevelProfile {
            name: name.to_string(),
            levels: table
                .iter()
                .map(|(n, p)| Level {
                    name: (*n).to_string(),
                    min_ppm: *p,
                })
                .collect(),
        }
    }

    /// IEC/EN 62676-4:2015.
    pub fn iec62676_2015() -> LevelProfile {
        LevelProfile::builtin("iec62676-2015", &IEC_2015)
    }

    /// IEC/EN 62676-4:2025.
    pub fn iec62676_2025() -> LevelProfile {
        LevelProfile::builtin("iec62676-2025", &IEC_2025)
    }

    /// A built-in profile by the name the CLI takes.
    pub fn named(name: &str) -> Result<LevelProfile, LevelError> {
        match name.trim().to_ascii_lowercase().as_str() {
            "iec62676-2015" | "iec-62676-4:2015" | "2015" => Ok(LevelProfile::iec62676_2015()),
            "iec62676-2025" | "iec-62676-4:2025" | "2025" => Ok(LevelProfile::iec62676_2025()),
            other => Err(LevelError::UnknownProfile(other.to_string())),
        }
    }

    /// The levels, lowest pixel density first.
    pub fn levels(&self) -> &[Level] {
        &self.levels
    }

    /// The level called `name` in this profile.
    pub fn level(&self, name: &str) -> Option<&Level> {
        let n = canonical(name);
        self.levels.iter().find(|l| l.name == n)
    }

    /// The pixel density a requirement names. A requirement may name a level of this profile,
    /// a level of either IEC profile (so a plan written against the 2015 levels can be checked
    /// under the 2025 profile: "identify" stays 250 px/m), or a number of px/m.
    pub fn required_ppm(&self, requirement: &str) -> Result<f64, LevelError> {
        if let Some(l) = self.level(requirement) {
            return Ok(l.min_ppm);
        }
        let n = canonical(requirement);
        if let Some((_, p)) = IEC_2015
            .iter()
            .chain(IEC_2025.iter())
            .find(|(name, _)| *name == n)
        {
            return Ok(*p);
        }
        let number = n.trim_end_matches("px/m").trim_end_matches("ppm").trim();
        match number.parse::<f64>() {
            Ok(p) if p.is_finite() && p > 0.0 => Ok(p),
            _ => Err(LevelError::UnknownLevel(requirement.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iec_2015_levels_in_order() {
        let p = LevelProfile::iec62676_2015();
        let names: Vec<_> = p
            .levels()
            .iter()
            .map(|l| (l.name.as_str(), l.min_ppm))
            .collect();
        assert_eq!(names, IEC_2015.to_vec());
        assert_eq!(p.level("Identify").map(|l| l.min_ppm), Some(250.0));
        assert_eq!(p.level("recognize").map(|l| l.min_ppm), Some(125.0));
    }

    #[test]
    fn iec_2025_has_seven_levels_with_the_brief_densities() {
        let p = LevelProfile::named("iec62676-2025").unwrap();
        let d: Vec<f64> = p.levels().iter().map(|l| l.min_ppm).collect();
        assert_eq!(d, vec![20.0, 40.0, 80.0, 125.0, 250.0, 500.0, 1500.0]);
    }

    #[test]
    fn requirements_resolve_across_profiles_and_numbers() {
        let p = LevelProfile::iec62676_2025();
        assert_eq!(p.required_ppm("identify"), Ok(250.0));
        assert_eq!(p.required_ppm("validate"), Ok(500.0));
        assert_eq!(p.required_ppm("300 px/m"), Ok(300.0));
        assert_eq!(
            p.required_ppm("identifi"),
            Err(LevelError::UnknownLevel("identifi".into()))
        );
        assert!(LevelProfile::named("iec9999").is_err());
    }

    #[test]
    fn custom_profiles_are_sorted_and_checked() {
        let p = LevelProfile::custom("site", &[("plate".into(), 300.0), ("person".into(), 50.0)])
            .unwrap();
        assert_eq!(p.levels()[0].name, "person");
        assert!(LevelProfile::custom("x", &[("a".into(), 0.0)]).is_err());
        assert!(LevelProfile::custom("x", &[("a".into(), 1.0), ("A".into(), 2.0)]).is_err());
        assert!(LevelProfile::custom("x", &[]).is_err());
    }
}
