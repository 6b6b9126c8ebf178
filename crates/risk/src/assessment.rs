//! Inherent, current and residual risk for qualitative methods, and the
//! organisation's risk appetite with its "out of appetite" verdict (for
//! qualitative ratings and FAIR results alike). Where ratings come from is
//! `qualitative`; FAIR losses come from `simulate`.

use serde::{Deserialize, Serialize};

use crate::qualitative::{
    FemaBands, NistLevel, OwaspFactors, Rating, RatingError, RiskMatrix, fema_rate, nist_rate,
    owasp_rate,
};

/// The ratings a qualitative method takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum QualitativeInputs {
    /// Positions on the matrix scales, 0 = lowest.
    Matrix {
        matrix: RiskMatrix,
        likelihood: usize,
        impact: usize,
    },
    Fema {
        asset_value: u32,
        threat: u32,
        vulnerability: u32,
        bands: FemaBands,
    },
    Nist {
        initiation: NistLevel,
        adverse_impact: NistLevel,
        impact: NistLevel,
    },
    Owasp {
        factors: OwaspFactors,
    },
}

/// A rating a countermeasure can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RatingFactor {
    /// Matrix likelihood, NIST likelihood of initiation, every OWASP likelihood factor.
    Likelihood,
    /// Matrix impact, NIST impact, every OWASP impact factor.
    Impact,
    AssetValue,
    Threat,
    Vulnerability,
    /// NIST likelihood that an initiated event has adverse impact.
    AdverseImpact,
}

/// How a countermeasure changes a rating; results are rounded and kept on the scale.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RatingAdjust {
    Multiply(f64),
    Add(f64),
    Set(f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RatingChange {
    pub factor: RatingFactor,
    pub adjust: RatingAdjust,
}

fn adjust(value: f64, a: RatingAdjust, lo: f64, hi: f64) -> f64 {
    let v = match a {
        RatingAdjust::Multiply(k) => value * k,
        RatingAdjust::Add(x) => value + x,
        RatingAdjust::Set(x) => x,
    };
    v.round().clamp(lo, hi)
}

fn nist_at(i: f64) -> NistLevel {
    NistLevel::ALL[(i as usize).min(4)]
}

impl QualitativeInputs {
    pub fn rate(&self) -> Result<Rating, RatingError> {
        match self {
            Self::Matrix {
                matrix,
                likelihood,
                impact,
            } => matrix.rate_index(*likelihood, *impact),
            Self::Fema {
                asset_value,
                threat,
                vulnerability,
                bands,
            } => fema_rate(*asset_value, *threat, *vulnerability, bands),
            Self::Nist {
                initiation,
                adverse_impact,
                impact,
            } => Ok(nist_rate(*initiation, *adverse_impact, *impact)),
            Self::Owasp { factors } => owasp_rate(factors),
        }
    }

    /// The inputs after a change; factors a method does not have are left alone.
    pub fn changed(&self, change: &RatingChange) -> Self {
        let mut out = self.clone();
        let a = change.adjust;
        match (&mut out, change.factor) {
            (
                Self::Matrix {
                    matrix, likelihood, ..
                },
                RatingFactor::Likelihood,
            ) => {
                let hi = matrix.likelihood.len().saturating_sub(1) as f64;
                *likelihood = adjust(*likelihood as f64, a, 0.0, hi) as usize;
            }
            (Self::Matrix { matrix, impact, .. }, RatingFactor::Impact) => {
                let hi = matrix.impact.len().saturating_sub(1) as f64;
                *impact = adjust(*impact as f64, a, 0.0, hi) as usize;
            }
            (Self::Fema { asset_value, .. }, RatingFactor::AssetValue) => {
                *asset_value = adjust(f64::from(*asset_value), a, 1.0, 10.0) as u32
            }
            (Self::Fema { threat, .. }, RatingFactor::Threat) => {
                *threat = adjust(f64::from(*threat), a, 1.0, 10.0) as u32
            }
            (Self::Fema { vulnerability, .. }, RatingFactor::Vulnerability) => {
                *vulnerability = adjust(f64::from(*vulnerability), a, 1.0, 10.0) as u32;
            }
            (Self::Nist { initiation, .. }, RatingFactor::Likelihood | RatingFactor::Threat) => {
                *initiation = nist_at(adjust(*initiation as usize as f64, a, 0.0, 4.0));
            }
            (
                Self::Nist { adverse_impact, .. },
                RatingFactor::AdverseImpact | RatingFactor::Vulnerability,
            ) => {
                *adverse_impact = nist_at(adjust(*adverse_impact as usize as f64, a, 0.0, 4.0));
            }
            (Self::Nist { impact, .. }, RatingFactor::Impact | RatingFactor::AssetValue) => {
                *impact = nist_at(adjust(*impact as usize as f64, a, 0.0, 4.0));
            }
            (Self::Owasp { factors }, RatingFactor::Likelihood) => {
                for x in &mut factors.likelihood {
                    *x = adjust(f64::from(*x), a, 0.0, 9.0) as u8;
                }
            }
            (Self::Owasp { factors }, RatingFactor::Impact) => {
                for x in factors
                    .technical_impact
                    .iter_mut()
                    .chain(factors.business_impact.iter_mut().flatten())
                {
                    *x = adjust(f64::from(*x), a, 0.0, 9.0) as u8;
                }
            }
            _ => {}
        }
        out
    }

    /// Names of the method's risk levels, lowest first.
    pub fn scale(&self) -> Vec<String> {
        match self {
            Self::Matrix { matrix, .. } => matrix.levels.iter().map(|l| l.name.clone()).collect(),
            Self::Fema { bands, .. } => bands.0.iter().map(|b| b.level.name.clone()).collect(),
            Self::Nist { .. } => NistLevel::ALL
                .iter()
                .map(|l| l.name().to_string())
                .collect(),
            Self::Owasp { .. } => ["Note", "Low", "Medium", "High", "Critical"]
                .map(String::from)
                .to_vec(),
        }
    }
}

/// Inherent (no controls), current (controls in place) and residual (with proposed ones) risk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskStages {
    pub inherent: Rating,
    pub current: Rating,
    pub residual: Rating,
}

pub fn stages(
    inputs: &QualitativeInputs,
    in_place: &[RatingChange],
    proposed: &[RatingChange],
) -> Result<RiskStages, RatingError> {
    let inherent = inputs.rate()?;
    let current_inputs = in_place
        .iter()
        .fold(inputs.clone(), |acc, c| acc.changed(c));
    let current = current_inputs.rate()?;
    let residual = proposed
        .iter()
        .fold(current_inputs, |acc, c| acc.changed(c))
        .rate()?;
    Ok(RiskStages {
        inherent,
        current,
        residual,
    })
}

/// The most risk the organisation accepts; each bound is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppetiteLimit {
    /// Highest acceptable qualitative level, by name on the method's scale.
    #[serde(default)]
    pub max_level: Option<String>,
    /// Highest acceptable score (FEMA product, NIST score, OWASP likelihood x impact).
    #[serde(default)]
    pub max_score: Option<f64>,
    /// Highest acceptable mean annual loss.
    #[serde(default)]
    pub max_ale: Option<f64>,
    /// Highest acceptable value at risk.
    #[serde(default)]
    pub max_value_at_risk: Option<f64>,
}

/// A limit for a site, a category, or both.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppetiteRule {
    #[serde(default)]
    pub site: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    pub limit: AppetiteLimit,
}

/// The organisation's appetite; the most specific rule wins:
/// site and category, then site, then category, then the organisation's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskAppetite {
    pub organisation: AppetiteLimit,
    #[serde(default)]
    pub rules: Vec<AppetiteRule>,
}

/// The measure of a risk to compare with the appetite.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RiskMeasure<'a> {
    Rating {
        rating: &'a Rating,
        scale: &'a [String],
    },
    Loss {
        ale: f64,
        value_at_risk: f64,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppetiteVerdict {
    /// Which rule applied: "organisation", "site", "category" or "site and category".
    pub applied: &'static str,
    pub out_of_appetite: bool,
    pub reasons: Vec<String>,
}

impl RiskAppetite {
    pub fn limit_for(
        &self,
        site: Option<&str>,
        category: Option<&str>,
    ) -> (&'static str, &AppetiteLimit) {
        let find = |s: Option<&str>, c: Option<&str>| {
            self.rules
                .iter()
                .find(|r| r.site.as_deref() == s && r.category.as_deref() == c)
                .map(|r| &r.limit)
        };
        if site.is_some()
            && category.is_some()
            && let Some(l) = find(site, category)
        {
            return ("site and category", l);
        }
        if site.is_some()
            && let Some(l) = find(site, None)
        {
            return ("site", l);
        }
        if category.is_some()
            && let Some(l) = find(None, category)
        {
            return ("category", l);
        }
        ("organisation", &self.organisation)
    }

    pub fn judge(
        &self,
        site: Option<&str>,
        category: Option<&str>,
        measure: RiskMeasure,
    ) -> Result<AppetiteVerdict, RatingError> {
        let (applied, limit) = self.limit_for(site, category);
        let mut reasons = Vec::new();
        match measure {
            RiskMeasure::Rating { rating, scale } => {
                if let Some(max) = &limit.max_level {
                    let at = scale
                        .iter()
                        .position(|s| s.eq_ignore_ascii_case(max))
                        .ok_or_else(|| RatingError::Invalid {
                            what: "appetite max_level".into(),
                            problem: format!(
                                "{max:?} is not a level of {} ({})",
                                rating.method,
                                scale.join(", ")
                            ),
                        })?;
                    if rating.rank > at {
                        reasons.push(format!("level {} is above {max}", rating.level));
                    }
                }
                if let (Some(max), Some(score)) = (limit.max_score, rating.score)
                    && score > max
                {
                    reasons.push(format!("score {score} is above {max}"));
                }
            }
            RiskMeasure::Loss { ale, value_at_risk } => {
                if let Some(max) = limit.max_ale
                    && ale > max
                {
                    reasons.push(format!("mean annual loss {ale:.0} is above {max:.0}"));
                }
                if let Some(max) = limit.max_value_at_risk
                    && value_at_risk > max
                {
                    reasons.push(format!(
                        "value at risk {value_at_risk:.0} is above {max:.0}"
                    ));
                }
            }
        }
        Ok(AppetiteVerdict {
            applied,
            out_of_appetite: !reasons.is_empty(),
            reasons,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_lower_fema_risk_from_inherent_to_residual() {
        let inputs = QualitativeInputs::Fema {
            asset_value: 8,
            threat: 6,
            vulnerability: 8,
            bands: FemaBands::default(),
        };
        let in_place = [RatingChange {
            factor: RatingFactor::Vulnerability,
            adjust: RatingAdjust::Add(-2.0),
        }];
        let proposed = [RatingChange {
            factor: RatingFactor::Threat,
            adjust: RatingAdjust::Multiply(0.5),
        }];
        let s = stages(&inputs, &in_place, &proposed).unwrap();
        assert_eq!(s.inherent.score, Some(384.0));
        assert_eq!(s.current.score, Some(288.0)); // 8 x 6 x 6
        assert_eq!(s.residual.score, Some(144.0)); // 8 x 3 x 6
        assert_eq!(s.residual.level, "Medium");
        // Ratings stay on the 1..10 scale.
        let floor = [RatingChange {
            factor: RatingFactor::Vulnerability,
            adjust: RatingAdjust::Add(-20.0),
        }];
        assert_eq!(
            stages(&inputs, &floor, &[]).unwrap().current.score,
            Some(48.0)
        );
    }

    #[test]
    fn matrix_controls_move_along_the_scale() {
        let inputs = QualitativeInputs::Matrix {
            matrix: RiskMatrix::three_by_three(),
            likelihood: 2,
            impact: 2,
        };
        let change = [RatingChange {
            factor: RatingFactor::Likelihood,
            adjust: RatingAdjust::Add(-1.0),
        }];
        let s = stages(&inputs, &[], &change).unwrap();
        assert_eq!((s.inherent.rank, s.residual.rank), (5, 4));
    }

    #[test]
    fn the_most_specific_appetite_rule_applies() {
        let appetite = RiskAppetite {
            organisation: AppetiteLimit {
                max_level: Some("Moderate".into()),
                max_ale: Some(1e6),
                ..Default::default()
            },
            rules: vec![
                AppetiteRule {
                    site: Some("hq".into()),
                    category: None,
                    limit: AppetiteLimit {
                        max_level: Some("Low".into()),
                        ..Default::default()
                    },
                },
                AppetiteRule {
                    site: Some("hq".into()),
                    category: Some("theft".into()),
                    limit: AppetiteLimit {
                        max_level: Some("High".into()),
                        ..Default::default()
                    },
                },
                AppetiteRule {
                    site: None,
                    category: Some("fire".into()),
                    limit: AppetiteLimit {
                        max_ale: Some(5e5),
                        ..Default::default()
                    },
                },
            ],
        };
        let rating = RiskMatrix::three_by_three().rate_index(1, 1).unwrap(); // Elevated
        let scale = QualitativeInputs::Matrix {
            matrix: RiskMatrix::three_by_three(),
            likelihood: 0,
            impact: 0,
        }
        .scale();
        let m = RiskMeasure::Rating {
            rating: &rating,
            scale: &scale,
        };
        let org = appetite.judge(None, None, m).unwrap();
        assert_eq!((org.applied, org.out_of_appetite), ("organisation", true));
        let theft = appetite.judge(Some("hq"), Some("theft"), m).unwrap();
        assert_eq!(
            (theft.applied, theft.out_of_appetite),
            ("site and category", false)
        );
        assert_eq!(
            appetite.judge(Some("hq"), Some("fire"), m).unwrap().applied,
            "site"
        );
        let fire = appetite
            .judge(
                Some("plant"),
                Some("fire"),
                RiskMeasure::Loss {
                    ale: 6e5,
                    value_at_risk: 0.0,
                },
            )
            .unwrap();
        assert_eq!((fire.applied, fire.out_of_appetite), ("category", true));
        let bad = RiskAppetite {
            organisation: AppetiteLimit {
                max_level: Some("Severe".into()),
                ..Default::default()
            },
            rules: vec![],
        };
        assert!(bad.judge(None, None, m).is_err());
    }
}
