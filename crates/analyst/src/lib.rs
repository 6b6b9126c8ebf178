//! The engines behind the web application's analysis pages.
//!
//! The server knows no engine and the engines know no domain; this crate is
//! where they meet for the web, as `src/commands` is for the command line.
//! [`Analyst`] implements `rampart_server::Analysis`: it reads a stored
//! model (a facility model, a floor plan) with its engine, runs the
//! analysis and answers in the server's view models, with the drawings the
//! assessment report uses (`rampart_report::charts`, the surveillance
//! engine's plan drawing). [`AuditAnalyst`] (module [`audits`]) does the
//! same for the audit pages with the compliance engine. No I/O.

pub mod audits;
pub mod countermeasures;
pub mod design_review;
pub mod report;

pub use audits::AuditAnalyst;

use rampart_domain::{
    Assessment, FacilityModel, FloorPlan, NistInputs, QualitativeLevel, RiskScenario,
};
use rampart_protection::{Facility, PathReport, SearchOptions};
use rampart_report::model as rm;
use rampart_risk::quantiles::QuantileMethod;
use rampart_risk::simulate::{LossSummary, SimulationOptions};
use rampart_server::analysis::{
    AdversaryView, Analysis, CameraMove, CameraView, CountermeasureInput, CoverageView, ElementRow,
    FacilityTable, FairView, LossView, NistView, PathView, PlanView, ProtectionView, TableError,
    UpgradeView, ZoneView,
};
use serde_json::{Map, Value, json};

/// How many of the most vulnerable paths the pages list per adversary.
pub const TOP_PATHS: usize = 5;

/// The element types of the protection engine, as its files write them.
pub const ELEMENT_KINDS: &[&str] = &[
    "fence",
    "gate",
    "wall",
    "door",
    "window",
    "vent",
    "roof",
    "floor",
    "open-ground",
    "portal",
    "mantrap",
    "hatch",
    "container",
    "other",
];

/// The engines, for the web application.
#[derive(Debug, Default, Clone, Copy)]
pub struct Analyst;

fn facility(model: &FacilityModel) -> Result<Facility, String> {
    Facility::from_yaml(&model.model.to_string()).map_err(|e| e.to_string())
}

fn plan(p: &FloorPlan) -> Result<rampart_surveillance::FloorPlan, String> {
    rampart_surveillance::FloorPlan::from_yaml(&p.plan.to_string()).map_err(|e| e.to_string())
}

/// The report's adversary path (what the sequence diagram draws) of an
/// engine path.
pub fn adversary_path(p: &PathReport) -> rm::AdversaryPath {
    rm::AdversaryPath {
        p_interruption: p.p_interruption,
        p_effectiveness: p.p_effectiveness,
        delay_s: p.delay_mean,
        steps: p
            .elements
            .iter()
            .enumerate()
            .map(|(i, id)| rm::PathStep {
                element: id.clone(),
                from: p.areas.get(i).cloned().unwrap_or_default(),
                to: p.areas.get(i + 1).cloned().unwrap_or_default(),
                p_detect: p.stages.get(i).map_or(0.0, |s| s.p_detect),
                delay_s: p.stages.get(i).map_or(0.0, |s| s.delay_mean),
                critical: p.critical_detection_point.as_deref() == Some(id.as_str()),
            })
            .collect(),
    }
}

fn location_code(l: rampart_protection::DetectionLocation) -> String {
    match serde_json::to_value(l) {
        Ok(Value::String(s)) => s.chars().take(1).collect::<String>().to_uppercase(),
        _ => "M".to_owned(),
    }
}

fn kind_code(k: rampart_protection::ElementKind) -> String {
    match serde_json::to_value(k) {
        Ok(Value::String(s)) => s,
        _ => "other".to_owned(),
    }
}

impl Analysis for Analyst {
    fn protection(&self, model: &FacilityModel) -> Result<ProtectionView, String> {
        let f = facility(model)?;
        let options = SearchOptions {
            top: TOP_PATHS,
            ..SearchOptions::default()
        };
        let analyses = rampart_protection::analyze_all(&f, &options).map_err(|e| e.to_string())?;
        let adversaries = analyses
            .iter()
            .zip(&f.adversaries)
            .map(|(a, profile)| AdversaryView {
                name: a.adversary.clone(),
                kind: match profile.kind {
                    rampart_protection::AdversaryKind::Insider => "insider".to_owned(),
                    rampart_protection::AdversaryKind::Outsider => "outsider".to_owned(),
                },
                p_neutralization: a.p_neutralization,
                exact: a.exact,
                vulnerability_rating: a.vulnerability_rating,
                paths: a
                    .paths
                    .iter()
                    .map(|p| PathView {
                        elements: p.elements.clone(),
                        areas: p.areas.clone(),
                        p_interruption: p.p_interruption,
                        p_effectiveness: p.p_effectiveness,
                        critical_detection_point: p.critical_detection_point.clone(),
                        delay_s: p.delay_mean,
                    })
                    .collect(),
                diagram_svg: a.most_vulnerable().map(|p| {
                    rampart_report::charts::adversary_sequence(
                        &adversary_path(p),
                        &format!("Adversary sequence diagram: {}", a.adversary),
                    )
                }),
            })
            .collect();
        let upgrade = if f.upgrades.is_empty() {
            None
        } else {
            let budget: f64 = f.upgrades.iter().map(|u| u.cost).sum();
            let plan =
                rampart_protection::upgrade::best_for_budget(&f, budget, &SearchOptions::default())
                    .map_err(|e| format!("upgrade analysis: {e}"))?;
            Some(UpgradeView {
                upgrades: plan.upgrades,
                cost: plan.cost,
                p_effectiveness_before: plan.p_effectiveness_before,
                p_effectiveness_after: plan.p_effectiveness_after,
            })
        };
        Ok(ProtectionView {
            response: format!(
                "{:.0} ± {:.0} s, P_C {:.2}",
                f.response.mean, f.response.sd, f.p_communication
            ),
            areas: f.areas.len(),
            elements: f.elements.len(),
            targets: f.targets.clone(),
            adversaries,
            upgrade,
        })
    }

    fn facility_table(&self, model: &FacilityModel) -> Result<FacilityTable, String> {
        let f = facility(model)?;
        Ok(FacilityTable {
            response_mean: f.response.mean,
            response_sd: f.response.sd,
            p_communication: f.p_communication,
            elements: f
                .elements
                .iter()
                .map(|e| ElementRow {
                    id: e.id.clone(),
                    kind: kind_code(e.kind),
                    from: e.from.clone(),
                    to: e.to.clone(),
                    p_detect: e.p_detect,
                    location: location_code(e.location),
                    delay_mean: e.delay_mean,
                    delay_sd: e.delay_sd,
                    badge_reader: e.badge_reader,
                })
                .collect(),
            kinds: ELEMENT_KINDS.iter().map(|k| (*k).to_owned()).collect(),
        })
    }

    fn apply_facility_table(
        &self,
        model: &FacilityModel,
        table: &FacilityTable,
    ) -> Result<Value, Vec<TableError>> {
        let whole = |message: String| {
            vec![TableError {
                row: None,
                field: String::new(),
                message,
            }]
        };
        let Value::Object(old) = &model.model else {
            return Err(whole(
                "the stored facility model is not an object".to_owned(),
            ));
        };
        let old_elements: Vec<&Map<String, Value>> = old
            .get("elements")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_object).collect())
            .unwrap_or_default();
        let mut errors = Vec::new();
        let mut seen = std::collections::BTreeMap::new();
        let mut elements = Vec::with_capacity(table.elements.len());
        for (i, row) in table.elements.iter().enumerate() {
            if let Some(first) = seen.insert(row.id.as_str(), i) {
                errors.push(TableError {
                    row: Some(i),
                    field: "id".to_owned(),
                    message: format!("element id {:?} is also used in row {}", row.id, first + 1),
                });
            }
            // Keep what the table does not show (assessment and communication
            // probabilities, notes) from the element of the same id.
            let mut e = old_elements
                .iter()
                .find(|o| o.get("id").and_then(Value::as_str) == Some(row.id.as_str()))
                .map(|o| (*o).clone())
                .unwrap_or_default();
            e.insert("id".into(), json!(row.id));
            e.insert("type".into(), json!(row.kind));
            e.insert("from".into(), json!(row.from));
            e.insert("to".into(), json!(row.to));
            e.insert("p_detect".into(), json!(row.p_detect));
            e.insert("location".into(), json!(row.location));
            e.insert("delay_mean".into(), json!(row.delay_mean));
            e.insert("delay_sd".into(), json!(row.delay_sd));
            if row.badge_reader {
                e.insert("badge_reader".into(), json!(true));
            } else {
                e.remove("badge_reader");
            }
            elements.push(Value::Object(e));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut new = old.clone();
        new.insert("elements".into(), Value::Array(elements));
        new.insert(
            "response".into(),
            json!({"mean": table.response_mean, "sd": table.response_sd}),
        );
        new.insert("p_communication".into(), json!(table.p_communication));
        let new = Value::Object(new);
        match Facility::from_yaml(&new.to_string()) {
            Ok(_) => Ok(new),
            Err(e) => {
                let message = e.to_string();
                // Point at the row of the element the engine names, if any.
                let row = table.elements.iter().position(|r| {
                    message.contains(&format!("`{}`", r.id))
                        || message.starts_with(&format!("element {}", r.id))
                        || message.starts_with(&format!("{}:", r.id))
                });
                let field = ["from", "to", "p_detect", "delay_mean", "delay_sd", "id"]
                    .into_iter()
                    .find(|f| message.contains(&format!("`{f}`")))
                    .unwrap_or("id");
                Err(vec![TableError {
                    row,
                    field: field.to_owned(),
                    message,
                }])
            }
        }
    }

    fn coverage(&self, p: &FloorPlan, moves: &[CameraMove]) -> Result<CoverageView, String> {
        let mut plan = plan(p)?;
        for m in moves {
            let cam = plan
                .cameras
                .iter_mut()
                .find(|c| c.id == m.id)
                .ok_or_else(|| format!("the plan has no camera {:?}", m.id))?;
            cam.position.x = m.x;
            cam.position.y = m.y;
            cam.pan_deg = m.pan_deg;
        }
        if !moves.is_empty() {
            // A moved camera must still be inside the floor: check it as a
            // plan file would be checked.
            let moved = move_in_json(&p.plan, moves)?;
            plan = rampart_surveillance::FloorPlan::from_yaml(&moved.to_string())
                .map_err(|e| e.to_string())?;
        }
        let profile = plan.default_profile();
        let report = rampart_surveillance::coverage(
            &plan,
            &profile,
            rampart_surveillance::CoverageOptions::default(),
        );
        let drawing_svg = rampart_surveillance::drawing::svg(&plan, Some(&report), 800.0);
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for pt in &plan.boundary {
            x0 = x0.min(pt.x);
            y0 = y0.min(pt.y);
            x1 = x1.max(pt.x);
            y1 = y1.max(pt.y);
        }
        let findings = report
            .zones
            .iter()
            .filter(|z| z.uncovered_m2 > 1e-6)
            .map(|z| {
                format!(
                    "zone {}: {} covers {:.0}%, required 100% ({:.1} m² uncovered)",
                    z.id,
                    capitalise(&z.required),
                    z.covered_fraction * 100.0,
                    z.uncovered_m2
                )
            })
            .collect();
        Ok(CoverageView {
            profile: report.profile.clone(),
            floor_area_m2: report.floor_area_m2,
            drawing_svg,
            cameras: plan
                .cameras
                .iter()
                .map(|c| CameraView {
                    id: c.id.clone(),
                    x: c.position.x,
                    y: c.position.y,
                    pan_deg: c.pan_deg,
                    hfov_deg: report
                        .cameras
                        .iter()
                        .find(|r| r.id == c.id)
                        .map_or(0.0, |r| r.hfov_deg),
                    height_m: c.height_m,
                })
                .collect(),
            levels: report
                .levels
                .iter()
                .map(|l| (l.level.clone(), l.area_m2, l.fraction))
                .collect(),
            zones: report
                .zones
                .iter()
                .map(|z| ZoneView {
                    id: z.id.clone(),
                    required: z.required.clone(),
                    covered_fraction: z.covered_fraction,
                    uncovered_m2: z.uncovered_m2,
                })
                .collect(),
            findings,
            bounds: [x0, y0, x1, y1],
        })
    }

    fn move_cameras(&self, p: &FloorPlan, moves: &[CameraMove]) -> Result<Value, String> {
        let moved = move_in_json(&p.plan, moves)?;
        rampart_surveillance::FloorPlan::from_yaml(&moved.to_string())
            .map_err(|e| e.to_string())?;
        Ok(moved)
    }

    fn nist(&self, inputs: &NistInputs) -> Option<NistView> {
        use rampart_risk::qualitative::{nist_overall_likelihood, nist_risk};
        let overall = nist_overall_likelihood(nist(inputs.initiation), nist(inputs.adverse_impact));
        let risk = nist_risk(overall, nist(inputs.impact));
        Some(NistView {
            overall_likelihood: overall.name().to_owned(),
            risk: risk.name().to_owned(),
            rank: risk as u8,
        })
    }

    fn countermeasures(&self, input: &CountermeasureInput) -> Result<Option<PlanView>, String> {
        countermeasures::plan(input)
    }

    fn fair(
        &self,
        risks: &[RiskScenario],
        currency: &str,
        trials: u64,
        seed: u64,
    ) -> Result<Option<FairView>, String> {
        let Some(text) = fair_scenario_text(risks) else {
            return Ok(None);
        };
        let file = rampart_risk::parse(&text).map_err(|e| e.to_string())?;
        let options = SimulationOptions {
            trials,
            seed,
            ..SimulationOptions::default()
        };
        let p = &file.portfolio;
        let r = rampart_risk::simulate::simulate(p, &p.in_place(), &options)
            .map_err(|e| e.to_string())?;
        let title = |id: &str| {
            risks
                .iter()
                .find(|x| x.id.as_str() == id)
                .map_or_else(|| id.to_owned(), |x| x.title.clone())
        };
        let stats: Vec<(String, rm::LossStats)> = r
            .scenarios
            .iter()
            .map(|s| (title(&s.id), loss_stats(&s.ale)))
            .chain(
                (r.scenarios.len() > 1)
                    .then(|| ("All together".to_owned(), loss_stats(&r.portfolio))),
            )
            .collect();
        let series: Vec<(&str, &[(f64, f64)])> = stats
            .iter()
            .map(|(name, s)| (name.as_str(), s.lec.as_slice()))
            .collect();
        let bars: Vec<(&str, &rm::LossStats)> =
            stats.iter().map(|(name, s)| (name.as_str(), s)).collect();
        Ok(Some(FairView {
            trials: r.trials,
            seed: r.seed,
            quantiles: match r.quantile_method {
                QuantileMethod::Exact => "exact".to_owned(),
                QuantileMethod::Sketch { relative_error } => format!(
                    "streaming sketch, each percentile within ±{:.2} %",
                    relative_error * 100.0
                ),
            },
            scenarios: r
                .scenarios
                .iter()
                .map(|s| loss_view(&s.id, s.mode.name(), &s.ale))
                .collect(),
            portfolio: loss_view("", "sum", &r.portfolio),
            lec_svg: rampart_report::charts::loss_exceedance(
                &series,
                currency,
                "Loss exceedance: the chance that a year's loss exceeds each amount",
            ),
            bars_svg: rampart_report::charts::percentile_bars(
                &bars,
                currency,
                "Annual loss percentiles",
            ),
        }))
    }
}

/// The risk engine's level of a domain level.
pub fn nist(l: QualitativeLevel) -> rampart_risk::qualitative::NistLevel {
    use rampart_risk::qualitative::NistLevel as N;
    match l {
        QualitativeLevel::VeryLow => N::VeryLow,
        QualitativeLevel::Low => N::Low,
        QualitativeLevel::Moderate => N::Moderate,
        QualitativeLevel::High => N::High,
        QualitativeLevel::VeryHigh => N::VeryHigh,
    }
}

/// The report's loss figures (what its charts draw) of an engine summary.
pub fn loss_stats(s: &LossSummary) -> rm::LossStats {
    rm::LossStats {
        mean: s.mean,
        p10: s.p10,
        p50: s.p50,
        p90: s.p90,
        p95: s.p95,
        p99: s.p99,
        lec: s.lec.iter().map(|p| (p.loss, p.p_exceed)).collect(),
    }
}

fn loss_view(id: &str, mode: &str, s: &LossSummary) -> LossView {
    LossView {
        id: id.to_owned(),
        mode: mode.to_owned(),
        mean: s.mean,
        sd: s.sd,
        p5: s.p5,
        p10: s.p10,
        p50: s.p50,
        p90: s.p90,
        p95: s.p95,
        p99: s.p99,
        value_at_risk: s.value_at_risk,
        var_confidence: s.var_confidence,
    }
}

/// A scenario file (JSON) of the risks assessed with the FAIR method, each
/// stored model a scenario under the risk's id; `None` when there is none.
pub fn fair_scenario_text<'a>(risks: impl IntoIterator<Item = &'a RiskScenario>) -> Option<String> {
    let scenarios = fair_scenarios(risks);
    (!scenarios.is_empty()).then(|| json!({ "scenarios": scenarios }).to_string())
}

/// Each FAIR-assessed risk's stored model as a scenario under the risk's id.
pub(crate) fn fair_scenarios<'a>(risks: impl IntoIterator<Item = &'a RiskScenario>) -> Vec<Value> {
    risks
        .into_iter()
        .filter_map(|r| match &r.assessment {
            Assessment::Fair {
                model: Value::Object(m),
            } => {
                let mut m = m.clone();
                m.insert("id".into(), Value::String(r.id.to_string()));
                Some(Value::Object(m))
            }
            _ => None,
        })
        .collect()
}

/// The plan's content with the cameras moved, everything else as written.
fn move_in_json(plan: &Value, moves: &[CameraMove]) -> Result<Value, String> {
    let mut plan = plan.clone();
    let cameras = plan
        .get_mut("cameras")
        .and_then(Value::as_array_mut)
        .ok_or_else(|| "the plan has no cameras".to_owned())?;
    for m in moves {
        let cam = cameras
            .iter_mut()
            .filter_map(Value::as_object_mut)
            .find(|c| c.get("id").and_then(Value::as_str) == Some(m.id.as_str()))
            .ok_or_else(|| format!("the plan has no camera {:?}", m.id))?;
        cam.insert("position".into(), json!([m.x, m.y]));
        cam.insert("pan_deg".into(), json!(m.pan_deg));
    }
    Ok(plan)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests;
