//! Countermeasure economics on a FAIR portfolio: each control's risk
//! reduction and return on security investment, the best set of proposed
//! controls under a budget, and the efficient frontier of residual risk
//! against spend. Simulation itself is `simulate`'s.
//!
//! Objective: minimise the portfolio's residual mean annual loss subject to
//! total annual cost <= budget and the controls' requires/excludes. Set
//! values are sample averages over a fixed number of trials with common
//! random numbers (every set sees the same draws), so comparisons between
//! sets are free of sampling noise between them; the mean is estimated by
//! per-trial LEF x LM draws, whose expectation equals the compound Poisson one.
//!
//! Search: exact branch and bound for up to [`MAX_EXACT`] candidates. Its
//! bound (apply every still-possible candidate at once) is valid when every
//! effect can only lower risk (multiply <= 1, subtract, or the reverse on
//! resistance strength); with a `set` effect the search enumerates without
//! that bound. A node limit keeps it finite; if hit, the result says it is
//! not proven optimal. The efficient frontier solves the same problem at
//! `frontier_points + 1` evenly spaced budgets (a smaller node limit each) and
//! keeps the points that buy less risk for more money. Beyond [`MAX_EXACT`] candidates: the better of greedy
//! by reduction per unit cost and the best affordable single control, which
//! is within (1 - 1/sqrt(e)) ~ 39% of the optimum when reductions have
//! diminishing returns (submodular), and without a guarantee otherwise.

use std::collections::HashMap;

use serde::Serialize;

use crate::fair::Portfolio;
use crate::simulate::mean_annual_loss;

/// Largest candidate count searched exactly.
pub const MAX_EXACT: usize = 40;

/// Branch-and-bound nodes explored before giving up on a proof of optimality.
pub const NODE_LIMIT: u64 = 2_000_000;

/// The same limit for each budget level of the frontier (it solves one problem per level).
pub const FRONTIER_NODE_LIMIT: u64 = 250_000;

#[derive(Debug, Clone, PartialEq)]
pub struct OptimiseOptions {
    pub budget: f64,
    /// Trials per set evaluation.
    pub trials: u64,
    pub seed: u64,
    /// Budget levels at which the frontier is solved (0 to budget).
    pub frontier_points: usize,
}

impl Default for OptimiseOptions {
    fn default() -> Self {
        Self {
            budget: 0.0,
            trials: 20_000,
            seed: 1,
            frontier_points: 10,
        }
    }
}

/// One control assessed alone on top of the controls already in place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ControlAssessment {
    pub id: String,
    pub annual_cost: f64,
    pub ale_before: f64,
    pub ale_after: f64,
    pub risk_reduction: f64,
    /// (ALE before - ALE after - annual cost) / annual cost; none when the control is free.
    pub rosi: Option<f64>,
}

/// A set of proposed controls and what it achieves.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Selection {
    pub controls: Vec<String>,
    pub annual_cost: f64,
    pub residual_ale: f64,
    pub risk_reduction: f64,
    pub rosi: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum SearchMethod {
    BranchAndBound {
        proven_optimal: bool,
        nodes: u64,
        bounded: bool,
    },
    Greedy {
        note: &'static str,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Optimisation {
    pub budget: f64,
    pub trials: u64,
    pub seed: u64,
    /// No controls at all.
    pub inherent_ale: f64,
    /// Controls in place.
    pub current_ale: f64,
    pub controls: Vec<ControlAssessment>,
    pub best: Selection,
    pub method: SearchMethod,
    /// Residual risk against spend, cheapest first, each point strictly better than the one before.
    pub frontier: Vec<Selection>,
    /// Whether every frontier point was proven optimal for its budget.
    pub frontier_proven_optimal: bool,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OptimiseError {
    #[error("budget must be a non-negative number, got {0}")]
    BadBudget(f64),
    #[error("trials must be at least 1")]
    NoTrials,
}

/// Set values for one portfolio, memoised per scenario on the candidates that touch it.
struct Evaluator<'a> {
    portfolio: &'a Portfolio,
    base: Vec<usize>,
    candidates: Vec<usize>,
    /// For each scenario, the candidate positions whose effects reach it.
    touching: Vec<Vec<usize>>,
    memo: Vec<HashMap<SetKey, f64>>,
    /// Scenarios no candidate touches: their value never changes.
    untouched_total: Option<f64>,
    trials: u64,
    seed: u64,
}

impl<'a> Evaluator<'a> {
    fn new(
        portfolio: &'a Portfolio,
        base: Vec<usize>,
        candidates: Vec<usize>,
        trials: u64,
        seed: u64,
    ) -> Self {
        let mut touching = vec![Vec::new(); portfolio.scenarios.len()];
        for (pos, &c) in candidates.iter().enumerate() {
            for s in portfolio.scenarios_changed_by(c) {
                touching[s].push(pos);
            }
        }
        let memo = vec![HashMap::new(); portfolio.scenarios.len()];
        Evaluator {
            portfolio,
            base,
            candidates,
            touching,
            memo,
            untouched_total: None,
            trials,
            seed,
        }
    }

    fn scenario_value(&mut self, s: usize, chosen: &[bool]) -> f64 {
        let touching = &self.touching[s];
        // Which of the candidates touching this scenario are chosen: a bit mask when they fit.
        let key = if touching.len() <= 64 {
            SetKey::Small(
                touching
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| chosen[**p])
                    .fold(0u64, |m, (bit, _)| m | (1 << bit)),
            )
        } else {
            SetKey::Large(touching.iter().copied().filter(|&p| chosen[p]).collect())
        };
        if let Some(v) = self.memo[s].get(&key) {
            return *v;
        }
        let mut controls = self.base.clone();
        controls.extend(
            touching
                .iter()
                .copied()
                .filter(|&p| chosen[p])
                .map(|p| self.candidates[p]),
        );
        let adjust = self.portfolio.scenario_adjustments(s, &controls);
        let v = mean_annual_loss(
            &self.portfolio.scenarios[s],
            &adjust,
            &[],
            self.trials,
            self.seed,
        );
        self.memo[s].insert(key, v);
        v
    }

    fn value(&mut self, chosen: &[bool]) -> f64 {
        let untouched = match self.untouched_total {
            Some(v) => v,
            None => {
                let none = vec![false; chosen.len()];
                let quiet: Vec<usize> = (0..self.touching.len())
                    .filter(|&s| self.touching[s].is_empty())
                    .collect();
                let v = quiet
                    .into_iter()
                    .map(|s| self.scenario_value(s, &none))
                    .sum();
                self.untouched_total = Some(v);
                v
            }
        };
        let mut total = untouched;
        for s in 0..self.touching.len() {
            if !self.touching[s].is_empty() {
                total += self.scenario_value(s, chosen);
            }
        }
        total
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum SetKey {
    Small(u64),
    Large(Vec<usize>),
}

/// Candidate constraints in position space.
struct Constraints {
    cost: Vec<f64>,
    requires: Vec<Vec<usize>>,
    excludes: Vec<Vec<usize>>,
}

impl Constraints {
    fn compatible(&self, chosen: &[bool], p: usize) -> bool {
        !self.excludes[p].iter().any(|&q| chosen[q])
    }

    fn satisfied(&self, chosen: &[bool]) -> bool {
        chosen.iter().enumerate().all(|(p, &c)| {
            !c || (self.requires[p].iter().all(|&q| chosen[q])
                && self.excludes[p].iter().all(|&q| !chosen[q]))
        })
    }

    fn cost(&self, chosen: &[bool]) -> f64 {
        chosen
            .iter()
            .zip(&self.cost)
            .filter(|(c, _)| **c)
            .map(|(_, k)| k)
            .sum()
    }
}

struct Search<'e, 'a> {
    limit: u64,
    eval: &'e mut Evaluator<'a>,
    cons: &'e Constraints,
    order: Vec<usize>,
    budget: f64,
    bounded: bool,
    best: (f64, f64, Vec<bool>),
    nodes: u64,
    aborted: bool,
}

impl Search<'_, '_> {
    fn better(&self, value: f64, cost: f64) -> bool {
        let (bv, bc, _) = &self.best;
        let tol = 1e-12 * bv.abs().max(1.0);
        value < bv - tol || (value <= bv + tol && cost < *bc)
    }

    fn run(&mut self, depth: usize, chosen: &mut Vec<bool>, spent: f64) {
        self.nodes += 1;
        if self.nodes > self.limit {
            self.aborted = true;
            return;
        }
        if depth == self.order.len() {
            if self.cons.satisfied(chosen) {
                let v = self.eval.value(chosen);
                if self.better(v, spent) {
                    self.best = (v, spent, chosen.clone());
                }
            }
            return;
        }
        let p = self.order[depth];
        if self.bounded && depth > 0 {
            // Everything still possible, applied at once, is at least as good as any completion.
            let mut optimistic = chosen.clone();
            for &q in &self.order[depth..] {
                if spent + self.cons.cost[q] <= self.budget && self.cons.compatible(chosen, q) {
                    optimistic[q] = true;
                }
            }
            let bound = self.eval.value(&optimistic);
            let tol = 1e-12 * self.best.0.abs().max(1.0);
            if bound > self.best.0 + tol {
                return;
            }
        }
        let decided = |q: usize| self.order[..depth].contains(&q);
        let can_include = spent + self.cons.cost[p] <= self.budget
            && self.cons.compatible(chosen, p)
            && self.cons.requires[p]
                .iter()
                .all(|&q| !decided(q) || chosen[q]);
        let must_include =
            (0..chosen.len()).any(|q| chosen[q] && self.cons.requires[q].contains(&p));
        if can_include {
            chosen[p] = true;
            self.run(depth + 1, chosen, spent + self.cons.cost[p]);
            chosen[p] = false;
        }
        if !must_include && !self.aborted {
            self.run(depth + 1, chosen, spent);
        }
    }
}

/// Assesses every proposed control and picks the best set within the budget.
pub fn optimise(
    portfolio: &Portfolio,
    options: &OptimiseOptions,
) -> Result<Optimisation, OptimiseError> {
    if !(options.budget.is_finite() && options.budget >= 0.0) {
        return Err(OptimiseError::BadBudget(options.budget));
    }
    if options.trials == 0 {
        return Err(OptimiseError::NoTrials);
    }
    let base = portfolio.in_place();
    let candidates = portfolio.proposed();
    let n = candidates.len();
    let inherent_ale: f64 = (0..portfolio.scenarios.len())
        .map(|s| {
            let adjust = portfolio.scenario_adjustments(s, &[]);
            mean_annual_loss(
                &portfolio.scenarios[s],
                &adjust,
                &[],
                options.trials,
                options.seed,
            )
        })
        .sum();
    let mut eval = Evaluator::new(
        portfolio,
        base,
        candidates.clone(),
        options.trials,
        options.seed,
    );
    let none = vec![false; n];
    let current_ale = eval.value(&none);

    let position = |id: &str| {
        candidates
            .iter()
            .position(|&c| portfolio.controls[c].id == id)
    };
    let cons = Constraints {
        cost: candidates
            .iter()
            .map(|&c| portfolio.controls[c].annual_cost)
            .collect(),
        requires: candidates
            .iter()
            .map(|&c| {
                portfolio.controls[c]
                    .requires
                    .iter()
                    .filter_map(|r| position(r))
                    .collect()
            })
            .collect(),
        excludes: candidates
            .iter()
            .map(|&c| {
                let me = &portfolio.controls[c].id;
                let mut ex: Vec<usize> = portfolio.controls[c]
                    .excludes
                    .iter()
                    .filter_map(|r| position(r))
                    .collect();
                // Exclusion is mutual whichever side declared it.
                for (q, &d) in candidates.iter().enumerate() {
                    if portfolio.controls[d].excludes.contains(me) && !ex.contains(&q) {
                        ex.push(q);
                    }
                }
                ex
            })
            .collect(),
    };
    // A proposed control that requires one not proposed (and not in place) can never be chosen.
    let in_place_ids: Vec<&str> = portfolio
        .in_place()
        .iter()
        .map(|&c| portfolio.controls[c].id.as_str())
        .collect();
    let impossible: Vec<bool> = candidates
        .iter()
        .map(|&c| {
            portfolio.controls[c]
                .requires
                .iter()
                .any(|r| position(r).is_none() && !in_place_ids.contains(&r.as_str()))
        })
        .collect();

    let mut assessments = Vec::with_capacity(n);
    let mut single = Vec::with_capacity(n);
    for p in 0..n {
        let mut chosen = none.clone();
        chosen[p] = true;
        let after = eval.value(&chosen);
        single.push(current_ale - after);
        let c = &portfolio.controls[candidates[p]];
        assessments.push(ControlAssessment {
            id: c.id.clone(),
            annual_cost: c.annual_cost,
            ale_before: current_ale,
            ale_after: after,
            risk_reduction: current_ale - after,
            rosi: rosi(current_ale - after, c.annual_cost),
        });
    }
    let monotone = candidates.iter().all(|&c| {
        portfolio.controls[c]
            .effects
            .iter()
            .all(|e| e.adjust.never_raises_risk(e.node))
    });

    let solve = |eval: &mut Evaluator, budget: f64, limit: u64| -> (Vec<bool>, f64, SearchMethod) {
        let mut cons_b = Constraints {
            cost: cons.cost.clone(),
            requires: cons.requires.clone(),
            excludes: cons.excludes.clone(),
        };
        for (p, &bad) in impossible.iter().enumerate() {
            if bad {
                cons_b.cost[p] = f64::INFINITY;
            }
        }
        if n <= MAX_EXACT {
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by(|&a, &b| {
                let ra = single[a] / cons_b.cost[a].max(1e-9);
                let rb = single[b] / cons_b.cost[b].max(1e-9);
                rb.total_cmp(&ra).then(a.cmp(&b))
            });
            let (g, gv) = greedy(eval, &cons_b, &single, budget);
            let gc = cons_b.cost(&g);
            let mut search = Search {
                eval,
                cons: &cons_b,
                order,
                budget,
                bounded: monotone,
                best: (gv, gc, g),
                nodes: 0,
                aborted: false,
                limit,
            };
            let mut chosen = vec![false; n];
            search.run(0, &mut chosen, 0.0);
            let method = SearchMethod::BranchAndBound {
                proven_optimal: !search.aborted,
                nodes: search.nodes,
                bounded: search.bounded,
            };
            let (v, _, set) = search.best;
            (set, v, method)
        } else {
            let (g, v) = greedy(eval, &cons_b, &single, budget);
            (
                g,
                v,
                SearchMethod::Greedy {
                    note: "more than 40 candidates: best of greedy (reduction per cost) and best single control; \
                       within (1 - 1/sqrt(e)) of the optimum if reductions have diminishing returns",
                },
            )
        }
    };

    let selection = |set: &[bool], residual: f64| {
        let cost = cons.cost(set);
        Selection {
            controls: (0..n)
                .filter(|&p| set[p])
                .map(|p| portfolio.controls[candidates[p]].id.clone())
                .collect(),
            annual_cost: cost,
            residual_ale: residual,
            risk_reduction: current_ale - residual,
            rosi: rosi(current_ale - residual, cost),
        }
    };

    let (best_set, best_value, method) = solve(&mut eval, options.budget, NODE_LIMIT);
    let best = selection(&best_set, best_value);

    let mut points: Vec<Selection> = Vec::new();
    let k = options.frontier_points.max(1);
    let mut frontier_proven_optimal = true;
    for i in 0..=k {
        let b = options.budget * i as f64 / k as f64;
        let (set, v, m) = solve(&mut eval, b, FRONTIER_NODE_LIMIT);
        frontier_proven_optimal &= matches!(
            m,
            SearchMethod::BranchAndBound {
                proven_optimal: true,
                ..
            }
        );
        points.push(selection(&set, v));
    }
    points.push(best.clone());
    points.sort_by(|a, b| {
        a.annual_cost
            .total_cmp(&b.annual_cost)
            .then(a.residual_ale.total_cmp(&b.residual_ale))
    });
    let mut frontier: Vec<Selection> = Vec::new();
    for p in points {
        if frontier
            .last()
            .is_none_or(|last| p.residual_ale < last.residual_ale)
        {
            frontier.push(p);
        }
    }

    Ok(Optimisation {
        budget: options.budget,
        trials: options.trials,
        seed: options.seed,
        inherent_ale,
        current_ale,
        controls: assessments,
        best,
        method,
        frontier,
        frontier_proven_optimal,
    })
}

fn rosi(reduction: f64, cost: f64) -> Option<f64> {
    if cost > 0.0 {
        Some((reduction - cost) / cost)
    } else {
        None
    }
}

/// Greedy by reduction per unit cost (each addition with the controls it requires),
/// compared with the best affordable single addition.
fn greedy(
    eval: &mut Evaluator,
    cons: &Constraints,
    single: &[f64],
    budget: f64,
) -> (Vec<bool>, f64) {
    let n = cons.cost.len();
    let closure = |chosen: &[bool], p: usize| -> Option<Vec<bool>> {
        let mut set = chosen.to_vec();
        let mut stack = vec![p];
        let mut steps = 0;
        while let Some(q) = stack.pop() {
            steps += 1;
            if steps > 4 * n + 4 {
                return None;
            }
            if set[q] {
                continue;
            }
            set[q] = true;
            stack.extend(cons.requires[q].iter().copied());
        }
        (cons.satisfied(&set) && cons.cost(&set) <= budget).then_some(set)
    };
    let empty = vec![false; n];
    let mut chosen = empty.clone();
    let mut value = eval.value(&chosen);
    loop {
        let cost_now = cons.cost(&chosen);
        let mut best: Option<(f64, Vec<bool>, f64)> = None;
        for p in (0..n).filter(|&p| !chosen[p]) {
            let Some(set) = closure(&chosen, p) else {
                continue;
            };
            let v = eval.value(&set);
            let gain = value - v;
            if gain <= 0.0 {
                continue;
            }
            let extra = cons.cost(&set) - cost_now;
            let ratio = if extra > 0.0 {
                gain / extra
            } else {
                f64::INFINITY
            };
            if best.as_ref().is_none_or(|(r, _, _)| ratio > *r) {
                best = Some((ratio, set, v));
            }
        }
        match best {
            Some((_, set, v)) => {
                chosen = set;
                value = v;
            }
            None => break,
        }
    }
    // The best single addition guards greedy against one expensive, decisive control.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| single[b].total_cmp(&single[a]));
    for p in order {
        if let Some(set) = closure(&empty, p) {
            let v = eval.value(&set);
            if v < value {
                chosen = set;
                value = v;
            }
            break;
        }
    }
    (chosen, value)
}
