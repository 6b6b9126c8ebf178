//! Qualitative and semi-quantitative rating methods: likelihood x impact
//! matrices of any size, FEMA 426/452 (asset x threat x vulnerability),
//! NIST SP 800-30 rev1 (Appendix G and I tables) and the OWASP risk rating.
//! Each method turns ratings into a [`Rating`]; what the organisation does
//! with it (appetite, register) is in `assessment`.

use serde::{Deserialize, Serialize};

/// A named level of a scale, with the colour it is drawn in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    pub name: String,
    pub colour: String,
}

/// The outcome of rating one risk with one method.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rating {
    pub method: &'static str,
    /// The numeric score where the method has one (FEMA product, OWASP averages, ...).
    pub score: Option<f64>,
    /// Position of the level on its scale, 0 = lowest.
    pub rank: usize,
    /// Number of levels on the scale.
    pub levels: usize,
    pub level: String,
    pub colour: String,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RatingError {
    #[error("{what}: {problem}")]
    Invalid { what: String, problem: String },
}

fn invalid(what: impl Into<String>, problem: impl Into<String>) -> RatingError {
    RatingError::Invalid {
        what: what.into(),
        problem: problem.into(),
    }
}

// ---------------------------------------------------------------------------
// Matrix

/// An organisation's likelihood x impact matrix: level = grid[likelihood][impact].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskMatrix {
    pub likelihood: Vec<String>,
    pub impact: Vec<String>,
    /// Risk levels, lowest first.
    pub levels: Vec<Level>,
    /// `grid[l][i]` is an index into `levels`.
    pub grid: Vec<Vec<usize>>,
}

impl RiskMatrix {
    /// Checks shapes and indices.
    pub fn new(
        likelihood: Vec<String>,
        impact: Vec<String>,
        levels: Vec<Level>,
        grid: Vec<Vec<usize>>,
    ) -> Result<Self, RatingError> {
        let m = RiskMatrix {
            likelihood,
            impact,
            levels,
            grid,
        };
        m.validate()?;
        Ok(m)
    }

    pub fn validate(&self) -> Result<(), RatingError> {
        if self.likelihood.is_empty() || self.impact.is_empty() || self.levels.is_empty() {
            return Err(invalid(
                "matrix",
                "needs at least one likelihood, impact and risk level",
            ));
        }
        if self.grid.len() != self.likelihood.len() {
            return Err(invalid(
                "matrix",
                format!(
                    "grid has {} rows for {} likelihood levels",
                    self.grid.len(),
                    self.likelihood.len()
                ),
            ));
        }
        for (r, row) in self.grid.iter().enumerate() {
            if row.len() != self.impact.len() {
                return Err(invalid(
                    format!("matrix row {}", self.likelihood[r]),
                    format!(
                        "{} cells for {} impact levels",
                        row.len(),
                        self.impact.len()
                    ),
                ));
            }
            if let Some(&bad) = row.iter().find(|&&c| c >= self.levels.len()) {
                return Err(invalid(
                    format!("matrix row {}", self.likelihood[r]),
                    format!("level {bad} does not exist ({} levels)", self.levels.len()),
                ));
            }
        }
        Ok(())
    }

    /// The 3x3 multiplicative grid [[0,1,2],[1,3,4],[2,4,5]] with six levels.
    pub fn three_by_three() -> Self {
        let names = [
            ("Very Low", "#2e7d32"),
            ("Low", "#7cb342"),
            ("Moderate", "#fdd835"),
            ("Elevated", "#fb8c00"),
            ("High", "#e53935"),
            ("Very High", "#8e0000"),
        ];
        RiskMatrix {
            likelihood: vec!["Low".into(), "Medium".into(), "High".into()],
            impact: vec!["Low".into(), "Medium".into(), "High".into()],
            levels: names
                .iter()
                .map(|(n, c)| Level {
                    name: (*n).into(),
                    colour: (*c).into(),
                })
                .collect(),
            grid: vec![vec![0, 1, 2], vec![1, 3, 4], vec![2, 4, 5]],
        }
    }

    fn position(scale: &[String], what: &str, value: &str) -> Result<usize, RatingError> {
        scale
            .iter()
            .position(|s| s.eq_ignore_ascii_case(value))
            .ok_or_else(|| {
                invalid(
                    what,
                    format!("unknown level {value:?} (scale: {})", scale.join(", ")),
                )
            })
    }

    /// Rates by level names.
    pub fn rate(&self, likelihood: &str, impact: &str) -> Result<Rating, RatingError> {
        let l = Self::position(&self.likelihood, "likelihood", likelihood)?;
        let i = Self::position(&self.impact, "impact", impact)?;
        self.rate_index(l, i)
    }

    /// Rates by positions on the scales (0 = lowest).
    pub fn rate_index(&self, likelihood: usize, impact: usize) -> Result<Rating, RatingError> {
        let row = self
            .grid
            .get(likelihood)
            .ok_or_else(|| invalid("likelihood", format!("index {likelihood} is off the scale")))?;
        let &cell = row
            .get(impact)
            .ok_or_else(|| invalid("impact", format!("index {impact} is off the scale")))?;
        let level = self
            .levels
            .get(cell)
            .ok_or_else(|| invalid("matrix", format!("level {cell} does not exist")))?;
        Ok(Rating {
            method: "matrix",
            score: None,
            rank: cell,
            levels: self.levels.len(),
            level: level.name.clone(),
            colour: level.colour.clone(),
        })
    }
}

// ---------------------------------------------------------------------------
// FEMA 426/452

/// A risk band of a score range, lowest first; a band covers scores from its
/// `min_score` up to the next band's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Band {
    pub min_score: f64,
    pub level: Level,
}

/// Bands for FEMA risk = asset value x threat rating x vulnerability rating (1..1000).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FemaBands(pub Vec<Band>);

impl Default for FemaBands {
    /// FEMA 452 (Risk Assessment: A How-To Guide to Mitigate Potential
    /// Terrorist Attacks Against Buildings, January 2005), its risk matrix
    /// colour code on the 1..1000 scale: Low 1-60, Medium 61-175, High > 175.
    /// These are the bands the issue names; FEMA 452's own text could not be
    /// read from the build machine, so they are not yet checked against it.
    /// Scores are integers, so High starts at 176.
    fn default() -> Self {
        let band = |min: f64, name: &str, colour: &str| Band {
            min_score: min,
            level: Level {
                name: name.into(),
                colour: colour.into(),
            },
        };
        FemaBands(vec![
            band(1.0, "Low", "#43a047"),
            band(61.0, "Medium", "#fdd835"),
            band(176.0, "High", "#e53935"),
        ])
    }
}

fn band_of(bands: &[Band], score: f64) -> Option<(usize, &Band)> {
    bands
        .iter()
        .enumerate()
        .rev()
        .find(|(_, b)| score >= b.min_score)
}

/// FEMA risk score: each rating 1..=10, so 1..=1000.
pub fn fema_score(asset_value: u32, threat: u32, vulnerability: u32) -> Result<u32, RatingError> {
    for (what, v) in [
        ("asset value", asset_value),
        ("threat rating", threat),
        ("vulnerability rating", vulnerability),
    ] {
        if !(1..=10).contains(&v) {
            return Err(invalid(what, format!("must be 1..10, got {v}")));
        }
    }
    Ok(asset_value * threat * vulnerability)
}

pub fn fema_rate(
    asset_value: u32,
    threat: u32,
    vulnerability: u32,
    bands: &FemaBands,
) -> Result<Rating, RatingError> {
    let score = fema_score(asset_value, threat, vulnerability)?;
    let (rank, band) = band_of(&bands.0, f64::from(score))
        .ok_or_else(|| invalid("FEMA bands", format!("no band covers score {score}")))?;
    Ok(Rating {
        method: "fema_452",
        score: Some(f64::from(score)),
        rank,
        levels: bands.0.len(),
        level: band.level.name.clone(),
        colour: band.level.colour.clone(),
    })
}

// ---------------------------------------------------------------------------
// NIST SP 800-30 rev1

/// The five-level qualitative scale of NIST SP 800-30 rev1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NistLevel {
    VeryLow,
    Low,
    Moderate,
    High,
    VeryHigh,
}

use NistLevel::{High as H, Low as L, Moderate as M, VeryHigh as VH, VeryLow as VL};

// Source of the NIST cells: NIST SP 800-30 Revision 1, "Guide for Conducting
// Risk Assessments", September 2012 (the final edition, not the September 2011
// initial public draft): Appendix G, Tables G-2 (likelihood of initiation,
// adversarial), G-3 (likelihood of occurrence, non-adversarial), G-4
// (likelihood of adverse impacts) and G-5 (overall likelihood); Appendix I,
// Tables I-2 (level of risk, likelihood x impact) and I-3 (level of risk
// scale). Every cell was checked against two independent transcriptions of
// those tables (published Markdown copies); the publication itself could not
// be read from the build machine (the stored copies hold only its front
// matter), so a final check against the PDF is still owed. The tests
// `nist_table_g5_every_cell` and `nist_table_i2_every_cell` list the cells.

/// Table G-5, overall likelihood: rows = likelihood of threat event initiation
/// or occurrence (very low..very high), columns = likelihood that the event
/// results in adverse impacts (very low..very high).
const TABLE_G5: [[NistLevel; 5]; 5] = [
    [VL, VL, L, L, L], // initiation very low
    [VL, L, L, M, M],  // low
    [L, L, M, M, H],   // moderate
    [L, M, M, H, VH],  // high
    [L, M, H, VH, VH], // very high
];

/// Table I-2, level of risk: rows = likelihood (the event occurs and results
/// in adverse impact), columns = level of impact.
const TABLE_I2: [[NistLevel; 5]; 5] = [
    [VL, VL, VL, L, L], // likelihood very low
    [VL, L, L, L, M],   // low
    [VL, L, M, M, H],   // moderate
    [VL, L, M, H, VH],  // high
    [VL, L, M, H, VH],  // very high
];

impl NistLevel {
    pub const ALL: [NistLevel; 5] = [VL, L, M, H, VH];

    pub fn name(self) -> &'static str {
        match self {
            VL => "Very Low",
            L => "Low",
            M => "Moderate",
            H => "High",
            VH => "Very High",
        }
    }

    /// The semi-quantitative score of the level (Tables G-2..I-3): 0, 2, 5, 8, 10.
    pub fn score(self) -> u32 {
        match self {
            VL => 0,
            L => 2,
            M => 5,
            H => 8,
            VH => 10,
        }
    }

    /// The level of a 0..100 semi-quantitative value:
    /// 0-4 very low, 5-20 low, 21-79 moderate, 80-95 high, 96-100 very high.
    pub fn from_value(value: f64) -> Result<NistLevel, RatingError> {
        if !(0.0..=100.0).contains(&value) {
            return Err(invalid(
                "NIST semi-quantitative value",
                format!("must be 0..100, got {value}"),
            ));
        }
        Ok(if value >= 96.0 {
            VH
        } else if value >= 80.0 {
            H
        } else if value >= 21.0 {
            M
        } else if value >= 5.0 {
            L
        } else {
            VL
        })
    }

    fn colour(self) -> &'static str {
        match self {
            VL => "#2e7d32",
            L => "#7cb342",
            M => "#fdd835",
            H => "#e53935",
            VH => "#8e0000",
        }
    }
}

/// Overall likelihood from the likelihood of initiation/occurrence and of adverse impact (Table G-5).
pub fn nist_overall_likelihood(initiation: NistLevel, adverse_impact: NistLevel) -> NistLevel {
    TABLE_G5[initiation as usize][adverse_impact as usize]
}

/// Level of risk from overall likelihood and level of impact (Table I-2).
pub fn nist_risk(likelihood: NistLevel, impact: NistLevel) -> NistLevel {
    TABLE_I2[likelihood as usize][impact as usize]
}

pub fn nist_rate(initiation: NistLevel, adverse_impact: NistLevel, impact: NistLevel) -> Rating {
    let level = nist_risk(nist_overall_likelihood(initiation, adverse_impact), impact);
    Rating {
        method: "nist_800_30",
        score: Some(f64::from(level.score())),
        rank: level as usize,
        levels: 5,
        level: level.name().into(),
        colour: level.colour().into(),
    }
}

// ---------------------------------------------------------------------------
// OWASP risk rating

/// OWASP risk rating factors, each 0..=9.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OwaspFactors {
    /// Threat agent: skill level, motive, opportunity, size;
    /// vulnerability: ease of discovery, ease of exploit, awareness, intrusion detection.
    pub likelihood: [u8; 8],
    /// Loss of confidentiality, integrity, availability, accountability.
    pub technical_impact: [u8; 4],
    /// Financial damage, reputation damage, non-compliance, privacy violation;
    /// used instead of the technical impact when known.
    pub business_impact: Option<[u8; 4]>,
}

/// OWASP's three bands of a 0..9 average: [0, 3) low, [3, 6) medium, [6, 9] high.
fn owasp_band(x: f64) -> usize {
    if x < 3.0 {
        0
    } else if x < 6.0 {
        1
    } else {
        2
    }
}

/// Overall severity: rows = impact low/medium/high, columns = likelihood low/medium/high
/// (the OWASP Risk Rating Methodology's table; cells and the 0-<3 / 3-<6 / 6-9 bands agree
/// with an independent transcription, the OWASP page itself was not reachable in this build).
const OWASP_SEVERITY: [[usize; 3]; 3] = [[0, 1, 2], [1, 2, 3], [2, 3, 4]];
const OWASP_LEVELS: [(&str, &str); 5] = [
    ("Note", "#90a4ae"),
    ("Low", "#7cb342"),
    ("Medium", "#fdd835"),
    ("High", "#fb8c00"),
    ("Critical", "#c62828"),
];

pub fn owasp_rate(f: &OwaspFactors) -> Result<Rating, RatingError> {
    let all = f
        .likelihood
        .iter()
        .chain(&f.technical_impact)
        .chain(f.business_impact.iter().flatten());
    if let Some(bad) = all.copied().find(|&v| v > 9) {
        return Err(invalid("OWASP factor", format!("must be 0..9, got {bad}")));
    }
    let mean = |xs: &[u8]| xs.iter().map(|&x| f64::from(x)).sum::<f64>() / xs.len() as f64;
    let likelihood = mean(&f.likelihood);
    let impact = mean(f.business_impact.as_ref().unwrap_or(&f.technical_impact));
    let rank = OWASP_SEVERITY[owasp_band(impact)][owasp_band(likelihood)];
    let (name, colour) = OWASP_LEVELS[rank];
    Ok(Rating {
        method: "owasp",
        score: Some(likelihood * impact),
        rank,
        levels: 5,
        level: name.into(),
        colour: colour.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_by_three_is_the_product_brief_grid() {
        let m = RiskMatrix::three_by_three();
        let ranks: Vec<Vec<usize>> = (0..3)
            .map(|l| (0..3).map(|i| m.rate_index(l, i).unwrap().rank).collect())
            .collect();
        assert_eq!(ranks, vec![vec![0, 1, 2], vec![1, 3, 4], vec![2, 4, 5]]);
        assert_eq!(m.rate("high", "High").unwrap().level, "Very High");
        assert!(m.rate("Extreme", "Low").is_err());
    }

    #[test]
    fn matrices_of_any_size_are_checked() {
        let lv = |n: &str| Level {
            name: n.into(),
            colour: "#fff".into(),
        };
        let m = RiskMatrix::new(
            (1..=4).map(|i| i.to_string()).collect(),
            (1..=2).map(|i| i.to_string()).collect(),
            vec![lv("ok"), lv("bad")],
            vec![vec![0, 0], vec![0, 1], vec![1, 1], vec![1, 1]],
        )
        .unwrap();
        assert_eq!(m.rate("2", "2").unwrap().level, "bad");
        assert!(
            RiskMatrix::new(
                vec!["a".into()],
                vec!["b".into()],
                vec![lv("x")],
                vec![vec![3]]
            )
            .is_err()
        );
        assert!(
            RiskMatrix::new(
                vec!["a".into()],
                vec!["b".into(), "c".into()],
                vec![lv("x")],
                vec![vec![0]]
            )
            .is_err()
        );
    }

    #[test]
    fn fema_check_vectors() {
        assert_eq!(fema_score(8, 2, 9).unwrap(), 144);
        assert_eq!(fema_score(8, 6, 8).unwrap(), 384);
        assert_eq!(fema_score(5, 8, 7).unwrap(), 280);
        assert!(fema_score(0, 5, 5).is_err());
        assert!(fema_score(5, 11, 5).is_err());
        let b = FemaBands::default();
        assert_eq!(fema_rate(8, 2, 9, &b).unwrap().level, "Medium");
        assert_eq!(fema_rate(8, 6, 8, &b).unwrap().level, "High");
        assert_eq!(fema_rate(3, 4, 5, &b).unwrap().level, "Low");
        assert_eq!(fema_rate(3, 4, 5, &b).unwrap().score, Some(60.0));
    }

    #[test]
    fn nist_tables_spot_cells_and_shape() {
        // Table G-5 corners and the moderate/moderate centre.
        assert_eq!(nist_overall_likelihood(VH, VH), VH);
        assert_eq!(nist_overall_likelihood(VH, VL), L);
        assert_eq!(nist_overall_likelihood(VL, VH), L);
        assert_eq!(nist_overall_likelihood(VL, VL), VL);
        assert_eq!(nist_overall_likelihood(M, M), M);
        // Table I-2: very low impact is always very low risk; high/very high rows equal.
        for l in NistLevel::ALL {
            assert_eq!(nist_risk(l, VL), VL);
            assert_eq!(nist_risk(H, l), nist_risk(VH, l));
        }
        assert_eq!(nist_risk(M, H), M);
        assert_eq!(nist_risk(L, VH), M);
        // Both tables are monotone in each argument.
        for a in 0..5 {
            for b in 0..4 {
                assert!(
                    TABLE_G5[a][b] <= TABLE_G5[a][b + 1] && TABLE_G5[b][a] <= TABLE_G5[b + 1][a]
                );
                assert!(
                    TABLE_I2[a][b] <= TABLE_I2[a][b + 1] && TABLE_I2[b][a] <= TABLE_I2[b + 1][a]
                );
            }
        }
    }

    /// (row, column, level) with level names as the publication prints them.
    fn cells(rows: [[&str; 5]; 5]) -> Vec<(NistLevel, NistLevel, NistLevel)> {
        let level = |name: &str| match name {
            "Very Low" => VL,
            "Low" => L,
            "Moderate" => M,
            "High" => H,
            "Very High" => VH,
            other => panic!("not a level: {other}"),
        };
        let mut out = Vec::new();
        for (r, row) in rows.iter().enumerate() {
            for (c, name) in row.iter().enumerate() {
                out.push((NistLevel::ALL[r], NistLevel::ALL[c], level(name)));
            }
        }
        out
    }

    #[test]
    fn nist_table_g5_every_cell() {
        // SP 800-30 rev1 Table G-5, rows: likelihood of threat event initiation or
        // occurrence, very low first; columns: likelihood threat events result in
        // adverse impacts, very low first (the publication prints very high first).
        let table = cells([
            ["Very Low", "Very Low", "Low", "Low", "Low"],
            ["Very Low", "Low", "Low", "Moderate", "Moderate"],
            ["Low", "Low", "Moderate", "Moderate", "High"],
            ["Low", "Moderate", "Moderate", "High", "Very High"],
            ["Low", "Moderate", "High", "Very High", "Very High"],
        ]);
        assert_eq!(table.len(), 25);
        for (initiation, adverse, want) in table {
            assert_eq!(
                nist_overall_likelihood(initiation, adverse),
                want,
                "G-5 at initiation {initiation:?}, adverse impact {adverse:?}"
            );
        }
    }

    #[test]
    fn nist_table_i2_every_cell() {
        // SP 800-30 rev1 Table I-2, rows: likelihood, very low first; columns: level of impact.
        let table = cells([
            ["Very Low", "Very Low", "Very Low", "Low", "Low"],
            ["Very Low", "Low", "Low", "Low", "Moderate"],
            ["Very Low", "Low", "Moderate", "Moderate", "High"],
            ["Very Low", "Low", "Moderate", "High", "Very High"],
            ["Very Low", "Low", "Moderate", "High", "Very High"],
        ]);
        for (likelihood, impact, want) in table {
            assert_eq!(
                nist_risk(likelihood, impact),
                want,
                "I-2 at likelihood {likelihood:?}, impact {impact:?}"
            );
        }
    }

    #[test]
    fn fema_default_bands_every_boundary() {
        // Low 1-60, Medium 61-175, High > 175 (to 1000); every score 1..=1000 by hand rule.
        let b = FemaBands::default();
        let names: Vec<&str> = b.0.iter().map(|band| band.level.name.as_str()).collect();
        assert_eq!(names, ["Low", "Medium", "High"]);
        for score in 1..=1000u32 {
            let want = if score <= 60 {
                "Low"
            } else if score <= 175 {
                "Medium"
            } else {
                "High"
            };
            let got = band_of(&b.0, f64::from(score)).map(|(_, band)| band.level.name.as_str());
            assert_eq!(got, Some(want), "score {score}");
        }
        // Products at the edges: 60 = 3x4x5, 175 = 5x5x7, 176 = 4x4x11 is off the
        // scale, 180 = 4x5x9 is the first reachable High above 175.
        assert_eq!(fema_rate(5, 5, 7, &b).unwrap().level, "Medium");
        assert_eq!(fema_rate(4, 5, 9, &b).unwrap().level, "High");
        assert_eq!(fema_rate(1, 1, 1, &b).unwrap().level, "Low");
        assert_eq!(fema_rate(10, 10, 10, &b).unwrap().level, "High");
    }

    #[test]
    fn nist_semi_quantitative_bands() {
        let cases = [
            (0.0, VL),
            (4.0, VL),
            (5.0, L),
            (20.0, L),
            (21.0, M),
            (79.0, M),
            (80.0, H),
            (95.0, H),
            (96.0, VH),
            (100.0, VH),
        ];
        for (v, want) in cases {
            assert_eq!(NistLevel::from_value(v).unwrap(), want, "value {v}");
        }
        assert_eq!([VL, L, M, H, VH].map(NistLevel::score), [0, 2, 5, 8, 10]);
        assert!(NistLevel::from_value(101.0).is_err());
    }

    #[test]
    fn owasp_worked_example() {
        // Likelihood factors average 4.375 (medium); technical impact 5.0 (medium);
        // business impact 2.25 (low) takes precedence -> low x medium = Low.
        let f = OwaspFactors {
            likelihood: [5, 2, 7, 1, 3, 6, 9, 2],
            technical_impact: [9, 7, 5, 1],
            business_impact: Some([1, 2, 1, 5]),
        };
        let r = owasp_rate(&f).unwrap();
        assert_eq!(r.level, "Low");
        let tech = OwaspFactors {
            business_impact: None,
            ..f
        };
        assert_eq!(owasp_rate(&tech).unwrap().level, "Medium");
        let worst = OwaspFactors {
            likelihood: [9; 8],
            technical_impact: [9; 4],
            business_impact: None,
        };
        assert_eq!(owasp_rate(&worst).unwrap().level, "Critical");
        let bad = OwaspFactors {
            likelihood: [10; 8],
            ..worst
        };
        assert!(owasp_rate(&bad).is_err());
    }
}
