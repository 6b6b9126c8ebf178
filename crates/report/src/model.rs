//! The report model: plain values the caller fills from its data and its
//! engines. Nothing here is computed from a store or an engine; what the
//! report derives (heat-map counts, top risks, the posture paragraph, totals)
//! is derived from these values alone, in `summary`.
//!
//! Lists are rendered in the order given, so the caller decides the order
//! (and keeps it stable); derived rankings break ties by id.

/// Everything one security assessment report shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub organisation: Organisation,
    /// What the report covers: the whole organisation or one site.
    pub scope: Scope,
    /// The date the report speaks for, `YYYY-MM-DD` (the caller's `--as-of`).
    pub as_of: String,
    pub document: DocumentControl,
    pub method: Method,
    /// The rating grids risks are placed on for the heat maps.
    pub grids: Vec<Grid>,
    pub sites: Vec<Site>,
    /// Recommendations in the caller's priority order (first = most urgent).
    pub recommendations: Vec<Recommendation>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Organisation {
    pub id: String,
    pub name: String,
    pub sector: Option<String>,
    pub description: Option<String>,
    /// ISO 4217 code every amount is in.
    pub currency: String,
    /// The risk appetite, one sentence per limit.
    pub appetite: Vec<String>,
    /// Highest acceptable mean annual loss, if the organisation states one.
    pub max_annual_loss: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    Organisation,
    Site { id: String, name: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct DocumentControl {
    /// Document reference, e.g. `northwind-assessment-2026-05-01`.
    pub reference: String,
    pub version: String,
    pub classification: String,
    pub prepared_by: String,
    /// What produced the report (program and version).
    pub generator: String,
    /// The data it was made from (the store, without credentials).
    pub source: String,
}

/// How the figures were obtained: the methods, their scales and settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Method {
    /// One paragraph per method or setting, in order.
    pub paragraphs: Vec<String>,
    /// Named scales (each level with its colour), as tables.
    pub scales: Vec<Scale>,
    pub fair: Option<FairSettings>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scale {
    pub name: String,
    /// Levels lowest first.
    pub levels: Vec<ScaleLevel>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScaleLevel {
    pub name: String,
    /// What puts a risk at this level (a score range, a rule).
    pub meaning: String,
    /// CSS colour, `#rrggbb`.
    pub colour: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FairSettings {
    pub trials: u64,
    pub seed: u64,
    /// How annual loss is formed and how percentiles are computed.
    pub notes: Vec<String>,
}

/// A likelihood x impact grid on which risks are counted for a heat map.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub title: String,
    /// Likelihood levels, lowest first (rows; drawn highest at the top).
    pub likelihood: Vec<String>,
    /// Impact levels, lowest first (columns).
    pub impact: Vec<String>,
    /// `colours[l][i]`: the colour of the risk level of the cell.
    pub colours: Vec<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub address: Option<String>,
    pub description: Option<String>,
    pub facility_security_level: Option<u8>,
    pub operating_hours: String,
    pub zones: Vec<Zone>,
    pub assets: Vec<Asset>,
    pub threats: Vec<Threat>,
    pub risks: Vec<Risk>,
    pub fair: Option<FairResults>,
    /// Why the quantitative analysis could not run, when it could not.
    pub fair_problem: Option<String>,
    pub protection: Vec<Protection>,
    pub surveillance: Vec<Coverage>,
    pub devices: Vec<Device>,
    /// The site's audits, in the caller's order (latest first, say).
    pub audits: Vec<AuditResult>,
    /// The acceptance tests of the site's newly installed systems.
    pub acceptance: Vec<AcceptanceSummary>,
    /// What the proposed controls buy for the quantified risks, when any is
    /// a candidate: the efficient frontier, cheapest first.
    pub frontier: Option<Frontier>,
}

/// The efficient frontier of a site's proposed controls: the least
/// residual annual loss for each annual spend.
#[derive(Debug, Clone, PartialEq)]
pub struct Frontier {
    /// The annual loss expected with the controls in place today.
    pub current_ale: f64,
    /// Cheapest first; the first point is usually "nothing more".
    pub points: Vec<FrontierPoint>,
    /// How the sets were searched and evaluated, in words.
    pub method: String,
}

/// One point of the efficient frontier: a set of controls, what it costs a
/// year and the annual loss expected with it.
#[derive(Debug, Clone, PartialEq)]
pub struct FrontierPoint {
    pub label: String,
    pub annual_cost: f64,
    pub residual_ale: f64,
}

/// Where the acceptance of one newly installed system stands.
#[derive(Debug, Clone, PartialEq)]
pub struct AcceptanceSummary {
    pub id: String,
    pub title: String,
    /// "Accepted", "Failing", "Ready for sign-off", ...
    pub status: String,
    pub passed: usize,
    pub failed: usize,
    pub not_run: usize,
    /// "2025-12-03 by Adaeze Okafor" once signed off.
    pub signed_off: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub classification: String,
    pub parent: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Asset {
    pub id: String,
    pub name: String,
    pub kind: String,
    /// Value / criticality 1..10.
    pub value: u8,
    pub zone: Option<String>,
    pub owner: Option<String>,
    pub replacement_cost: Option<f64>,
}

/// A threat as rated for one site.
#[derive(Debug, Clone, PartialEq)]
pub struct Threat {
    pub id: String,
    pub name: String,
    pub category: String,
    /// Threat rating 1..10 at this site.
    pub rating: u8,
    pub rationale: Option<String>,
    /// The design-basis adversary, in one line, when the threat has one.
    pub adversary: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Risk {
    pub id: String,
    pub title: String,
    pub threat: String,
    pub asset: String,
    /// The method's name as readers know it ("FEMA 452").
    pub method: String,
    pub inherent: Option<Level>,
    pub current: Option<Level>,
    pub residual: Option<Level>,
    /// Where the present risk (current, else inherent) sits on a grid.
    pub position: Option<Position>,
    pub treatment: String,
    pub owner: Option<String>,
    /// Why the present risk is outside the appetite; `None` when within it or not judged.
    pub out_of_appetite: Option<String>,
}

/// A rating on a method's scale.
#[derive(Debug, Clone, PartialEq)]
pub struct Level {
    pub name: String,
    pub colour: String,
    /// Position on the scale, 0 = lowest.
    pub rank: usize,
    /// Number of levels on the scale.
    pub levels: usize,
    /// The score as written (`384`, `L3 x I4`), where the method has one.
    pub score: Option<String>,
    /// The numeric score, for ordering.
    pub value: Option<f64>,
}

impl Level {
    /// Severity on 0..=1: the rank as a share of the scale.
    pub fn severity(&self) -> f64 {
        if self.levels <= 1 {
            0.0
        } else {
            self.rank as f64 / (self.levels - 1) as f64
        }
    }
}

/// A cell of one of the report's [`Grid`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Index into [`Report::grids`].
    pub grid: usize,
    /// Likelihood index, 0 = lowest.
    pub likelihood: usize,
    /// Impact index, 0 = lowest.
    pub impact: usize,
}

/// Annual-loss statistics of a simulation.
#[derive(Debug, Clone, PartialEq)]
pub struct LossStats {
    pub mean: f64,
    pub p10: f64,
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
    /// Loss exceedance curve: (annual loss, probability of exceeding it), loss ascending.
    pub lec: Vec<(f64, f64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FairScenario {
    pub id: String,
    pub title: String,
    pub loss: LossStats,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FairResults {
    pub scenarios: Vec<FairScenario>,
    /// The site's scenarios together (per-trial sums).
    pub total: LossStats,
}

/// The path analysis of one facility model.
#[derive(Debug, Clone, PartialEq)]
pub struct Protection {
    pub id: String,
    pub name: String,
    /// Response force, e.g. `240 ± 72 s`.
    pub response: String,
    pub adversaries: Vec<AdversaryResult>,
    /// The best upgrades the model lists, when it lists some.
    pub upgrade: Option<Upgrade>,
    /// Why the model could not be analysed, when it could not.
    pub problem: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AdversaryResult {
    pub adversary: String,
    pub p_neutralization: f64,
    /// The most vulnerable path; `None` when no path reaches the target.
    pub path: Option<AdversaryPath>,
    /// FEMA 452 vulnerability rating 1..10 from P_E.
    pub vulnerability_rating: u8,
    /// Whether the path is proven the most vulnerable.
    pub exact: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AdversaryPath {
    pub p_interruption: f64,
    pub p_effectiveness: f64,
    /// Total mean delay, seconds.
    pub delay_s: f64,
    pub steps: Vec<PathStep>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PathStep {
    pub element: String,
    pub from: String,
    pub to: String,
    /// Detection as this adversary meets it (P_D x P_A).
    pub p_detect: f64,
    pub delay_s: f64,
    pub critical: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Upgrade {
    /// What the plan aims for, e.g. `best within a budget of 60,000`.
    pub goal: String,
    pub upgrades: Vec<String>,
    pub cost: f64,
    pub p_effectiveness_before: f64,
    pub p_effectiveness_after: f64,
}

/// The coverage of one floor plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    pub id: String,
    pub name: String,
    pub profile: String,
    pub floor_area_m2: f64,
    pub cameras: usize,
    pub zones: Vec<ZoneCoverage>,
    /// A drawing of the plan and its coverage made by the surveillance
    /// engine. It is shown as an image (`<img>` with a data URL), so that
    /// nothing in it can run or reach the page.
    pub drawing_svg: Option<String>,
    pub problem: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ZoneCoverage {
    pub id: String,
    pub required: String,
    /// Share of the zone seen at its required level, 0..=1.
    pub covered_fraction: f64,
    pub shortfall_m2: f64,
    pub met: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    pub id: String,
    pub kind: String,
    pub make_model: String,
    pub zone: Option<String>,
    pub status: String,
    pub install_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    pub title: String,
    pub site: String,
    /// The applied control (or upgrade) it stands for.
    pub reference: String,
    pub status: String,
    pub capex: f64,
    pub opex_annual: f64,
    /// Why it is recommended and what it buys.
    pub rationale: String,
    pub due: Option<String>,
}

/// How serious an audit finding is, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// Every severity, most serious first (the order reports list them in).
    pub const DESCENDING: [Severity; 4] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Severity::Low => "Low",
            Severity::Medium => "Medium",
            Severity::High => "High",
            Severity::Critical => "Critical",
        }
    }

    /// The colour reports mark it with.
    pub fn colour(self) -> &'static str {
        match self {
            Severity::Low => "#2e7d32",
            Severity::Medium => "#f9a825",
            Severity::High => "#ef6c00",
            Severity::Critical => "#b71c1c",
        }
    }
}

/// Results of each outcome, and items in scope with no result yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    pub compliant: usize,
    pub partially_compliant: usize,
    pub non_compliant: usize,
    pub not_applicable: usize,
    pub unassessed: usize,
}

/// The score of one section of an audit's framework.
#[derive(Debug, Clone, PartialEq)]
pub struct SectionScore {
    pub id: String,
    pub title: String,
    /// Share 0..=1 as the compliance engine scores it; `None` when nothing was scored.
    pub score: Option<f64>,
    pub tally: Tally,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuditFinding {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    /// The framework item (and zone) it was raised on, when from an audit item.
    pub item: Option<String>,
    pub owner: Option<String>,
    pub due: Option<String>,
    /// The risk scenario of the register it bears on.
    pub risk: Option<String>,
}

/// One line of the remediation plan.
#[derive(Debug, Clone, PartialEq)]
pub struct RemediationItem {
    pub id: String,
    pub finding: String,
    pub title: String,
    pub severity: Severity,
    /// `open`, `in progress`, `risk accepted` or `closed`.
    pub status: String,
    /// Whether the item is finished with (closed or risk-accepted).
    pub settled: bool,
    pub owner: Option<String>,
    pub due: Option<String>,
    /// Open past its due date on the report's as-of date.
    pub overdue: bool,
    /// Milestones done, of all.
    pub milestones_done: usize,
    pub milestones: usize,
}

/// An audit of a site against a framework, as the compliance engine scores it.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditResult {
    pub id: String,
    pub title: String,
    pub site: String,
    /// The framework's id and title.
    pub framework: String,
    /// `planned`, `in progress` or `completed`.
    pub status: String,
    pub auditors: Vec<String>,
    pub planned_start: String,
    pub planned_end: String,
    /// The scope in words, one line each (zones, items).
    pub scope: Vec<String>,
    /// Items of the framework in scope.
    pub items_in_scope: usize,
    pub overall: Option<f64>,
    pub tally: Tally,
    pub sections: Vec<SectionScore>,
    /// Findings, most serious first.
    pub findings: Vec<AuditFinding>,
    pub remediation: Vec<RemediationItem>,
    /// Why the audit could not be scored, when it could not.
    pub problem: Option<String>,
}

impl AuditResult {
    /// Findings of `severity`.
    pub fn findings_of(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// (settled, open, overdue) remediation items.
    pub fn remediation_status(&self) -> (usize, usize, usize) {
        let settled = self.remediation.iter().filter(|r| r.settled).count();
        let overdue = self.remediation.iter().filter(|r| r.overdue).count();
        (settled, self.remediation.len() - settled, overdue)
    }
}

/// The audit report: one audit with the frame of a document.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditReport {
    pub organisation: Organisation,
    /// The date the report speaks for, `YYYY-MM-DD`.
    pub as_of: String,
    pub document: DocumentControl,
    /// The audited site's name.
    pub site: String,
    pub audit: AuditResult,
}

/// The remediation plan status report: every plan of action and milestones
/// of the organisation (or of one site), the risk acceptances beside them,
/// as of a date.
#[derive(Debug, Clone, PartialEq)]
pub struct RemediationReport {
    pub organisation: Organisation,
    /// The date the report speaks for, `YYYY-MM-DD`.
    pub as_of: String,
    pub document: DocumentControl,
    /// What the report covers, in words ("the whole organisation", a site).
    pub scope: String,
    /// One per audit that has a plan, in the caller's order.
    pub plans: Vec<PlanStatus>,
    /// Risk acceptances of the audits in scope, soonest expiry first.
    pub acceptances: Vec<AcceptanceStatus>,
    /// Audits whose stored plan could not be read, one line each.
    pub problems: Vec<String>,
}

/// One audit's remediation plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanStatus {
    /// The plan's id and title.
    pub id: String,
    pub title: String,
    /// The audit it answers: title and id.
    pub audit: String,
    /// The audited site's name.
    pub site: String,
    pub items: Vec<RemediationItem>,
}

/// A risk acceptance and how long it has left.
#[derive(Debug, Clone, PartialEq)]
pub struct AcceptanceStatus {
    pub id: String,
    /// The audit it was granted in (title).
    pub audit: String,
    /// The finding (or plan item) it accepts.
    pub finding: String,
    pub approver: String,
    pub approved_on: String,
    pub expires: String,
    /// Days from the as-of date to the expiry: negative once expired
    /// (an acceptance is valid through its expiry date).
    pub days_left: i64,
}

impl AcceptanceStatus {
    /// Days within which an expiry is worth a warning.
    pub const WARN_DAYS: i64 = 30;

    pub fn expired(&self) -> bool {
        self.days_left < 0
    }

    /// Its state in words: "expired 3 days ago", "expires today", "expires in 12 days", "valid".
    pub fn state(&self) -> String {
        let days = |n: i64| format!("{n} day{}", if n == 1 { "" } else { "s" });
        match self.days_left {
            d if d < 0 => format!("expired {} ago", days(-d)),
            0 => "expires today".to_owned(),
            d if d <= Self::WARN_DAYS => format!("expires in {}", days(d)),
            _ => "valid".to_owned(),
        }
    }
}

/// Items of one severity (or of all): how many, and where they stand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusCount {
    pub total: usize,
    /// Closed or risk-accepted.
    pub settled: usize,
    pub open: usize,
    pub overdue: usize,
    pub milestones_done: usize,
    pub milestones: usize,
}

impl StatusCount {
    fn add(&mut self, it: &RemediationItem) {
        self.total += 1;
        if it.settled {
            self.settled += 1;
        } else {
            self.open += 1;
        }
        if it.overdue {
            self.overdue += 1;
        }
        self.milestones_done += it.milestones_done;
        self.milestones += it.milestones;
    }
}

/// One owner's open work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerLoad {
    /// The owner, or "(no owner)".
    pub owner: String,
    pub open: usize,
    pub overdue: usize,
    /// The earliest due date of the owner's open items.
    pub next_due: Option<String>,
}

impl RemediationReport {
    /// Every item with the plan it belongs to, in the plans' order.
    pub fn items(&self) -> impl Iterator<Item = (&PlanStatus, &RemediationItem)> {
        self.plans
            .iter()
            .flat_map(|p| p.items.iter().map(move |i| (p, i)))
    }

    /// Counts over every item.
    pub fn totals(&self) -> StatusCount {
        let mut c = StatusCount::default();
        for (_, it) in self.items() {
            c.add(it);
        }
        c
    }

    /// Counts per severity, most serious first (every severity, even empty).
    pub fn by_severity(&self) -> Vec<(Severity, StatusCount)> {
        Severity::DESCENDING
            .iter()
            .map(|&s| {
                let mut c = StatusCount::default();
                for (_, it) in self.items().filter(|(_, i)| i.severity == s) {
                    c.add(it);
                }
                (s, c)
            })
            .collect()
    }

    /// Open and overdue items per owner: most overdue first, then most
    /// open, then by name. Owners with nothing open are left out.
    pub fn by_owner(&self) -> Vec<OwnerLoad> {
        let mut map: std::collections::BTreeMap<&str, OwnerLoad> = Default::default();
        for (_, it) in self.items().filter(|(_, i)| !i.settled) {
            let owner = it.owner.as_deref().unwrap_or("(no owner)");
            let e = map.entry(owner).or_insert_with(|| OwnerLoad {
                owner: owner.to_owned(),
                open: 0,
                overdue: 0,
                next_due: None,
            });
            e.open += 1;
            e.overdue += usize::from(it.overdue);
            if let Some(d) = &it.due
                && e.next_due.as_ref().is_none_or(|n| d < n)
            {
                e.next_due = Some(d.clone());
            }
        }
        let mut out: Vec<OwnerLoad> = map.into_values().collect();
        out.sort_by(|a, b| {
            b.overdue
                .cmp(&a.overdue)
                .then(b.open.cmp(&a.open))
                .then_with(|| a.owner.cmp(&b.owner))
        });
        out
    }

    /// The overdue items, longest overdue (earliest due date) first, ties by id.
    pub fn overdue(&self) -> Vec<(&PlanStatus, &RemediationItem)> {
        let mut out: Vec<_> = self.items().filter(|(_, i)| i.overdue).collect();
        out.sort_by(|(_, a), (_, b)| a.due.cmp(&b.due).then_with(|| a.id.cmp(&b.id)));
        out
    }

    /// Acceptances expired or expiring within [`AcceptanceStatus::WARN_DAYS`].
    pub fn acceptances_needing_attention(&self) -> usize {
        self.acceptances
            .iter()
            .filter(|a| a.days_left <= AcceptanceStatus::WARN_DAYS)
            .count()
    }
}
