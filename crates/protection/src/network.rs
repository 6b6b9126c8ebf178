//! The adversary's view of a facility: areas as numbered nodes and path elements as numbered
//! one-way stages, with detection and delay as this adversary meets them (profile rules applied).
//!
//! This is what the path search and EASI work on. It knows nothing of the file format beyond the
//! validated [`Facility`], and leaves the arithmetic to [`crate::easi`].

use crate::facility::{AdversaryProfile, Facility, FacilityError, PathElement};

/// One path element as a given adversary meets it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stage {
    pub from: u32,
    pub to: u32,
    /// P_D x P_A: the chance of an assessed alarm here.
    pub p_detect: f64,
    /// P_C for an alarm here.
    pub p_communication: f64,
    /// Share of the delay still ahead when detected (1, 1/2, 0 for B, M, E).
    pub remaining_share: f64,
    pub delay_mean: f64,
    pub delay_var: f64,
}

impl Stage {
    /// A stage from its detection and delay figures, for EASI on a plain task list.
    pub fn task(
        p_detect: f64,
        location: crate::DetectionLocation,
        delay_mean: f64,
        delay_sd: f64,
        p_communication: f64,
    ) -> Self {
        Self {
            from: 0,
            to: 0,
            p_detect,
            p_communication,
            remaining_share: location.remaining_share(),
            delay_mean,
            delay_var: delay_sd * delay_sd,
        }
    }
}

/// The facility as one adversary sees it.
#[derive(Clone, Debug)]
pub struct Network {
    pub(crate) area_names: Vec<String>,
    pub(crate) element_ids: Vec<String>,
    pub(crate) stages: Vec<Stage>,
    /// For each area, the stages entering it, sorted by (from area, element index):
    /// `into[into_start[a]..into_start[a + 1]]`.
    pub(crate) into_start: Vec<u32>,
    pub(crate) into: Vec<u32>,
    pub(crate) is_entry: Vec<bool>,
    pub(crate) is_target: Vec<bool>,
    pub(crate) response_mean: f64,
    pub(crate) response_var: f64,
    pub(crate) p_neutralization: f64,
}

impl Network {
    /// Compiles the facility for one adversary profile.
    pub fn new(facility: &Facility, adversary: &AdversaryProfile) -> Result<Self, FacilityError> {
        let index = facility.area_index();
        let area = |e: &PathElement, field: &'static str, name: &str| {
            index
                .get(name)
                .copied()
                .ok_or_else(|| FacilityError::UnknownArea {
                    element: e.id.clone(),
                    field,
                    area: name.to_owned(),
                })
        };
        let mut stages = Vec::with_capacity(facility.elements.len());
        for e in &facility.elements {
            let (mut detect, mut delay) = (1.0, 1.0);
            for r in &adversary.rules {
                let kind_ok = r.kind.is_none_or(|k| k == e.kind);
                let badge_ok = r.badge_reader.is_none_or(|b| b == e.badge_reader);
                if kind_ok && badge_ok {
                    detect *= r.detect_factor;
                    delay *= r.delay_factor;
                }
            }
            if e.badge_reader && adversary.badge_opens(&e.id) {
                // Authorised access: the reader grants passage, so no alarm and no forced entry.
                detect = 0.0;
                delay = 0.0;
            }
            let p_detect = (e.p_detect * e.p_assessment.unwrap_or(1.0) * detect).clamp(0.0, 1.0);
            let sd = e.delay_sd * delay;
            stages.push(Stage {
                from: area(e, "from", &e.from)?,
                to: area(e, "to", &e.to)?,
                p_detect,
                p_communication: e.p_communication.unwrap_or(facility.p_communication),
                remaining_share: e.location.remaining_share(),
                delay_mean: e.delay_mean * delay,
                delay_var: sd * sd,
            });
        }
        let entries = adversary.entries.as_ref().unwrap_or(&facility.entries);
        let mut is_entry = vec![false; facility.areas.len()];
        let mut is_target = vec![false; facility.areas.len()];
        for (list, flags) in [
            (entries, &mut is_entry),
            (&facility.targets, &mut is_target),
        ] {
            for name in list {
                let i = index.get(name.as_str()).copied().ok_or_else(|| {
                    FacilityError::UnknownFacilityArea {
                        field: "entries or targets".to_owned(),
                        area: name.clone(),
                    }
                })?;
                flags[i as usize] = true;
            }
        }
        Ok(Self::from_parts(
            facility.areas.clone(),
            facility.elements.iter().map(|e| e.id.clone()).collect(),
            stages,
            is_entry,
            is_target,
            facility.response.mean,
            facility.response.sd,
            adversary
                .p_neutralization
                .unwrap_or(facility.p_neutralization),
        ))
    }

    /// Builds a network directly (synthetic campuses, tests). Stage areas must be below
    /// `area_names.len()`.
    #[allow(clippy::too_many_arguments)]
    pub fn from_parts(
        area_names: Vec<String>,
        element_ids: Vec<String>,
        stages: Vec<Stage>,
        is_entry: Vec<bool>,
        is_target: Vec<bool>,
        response_mean: f64,
        response_sd: f64,
        p_neutralization: f64,
    ) -> Self {
        let n = area_names.len();
        let mut order: Vec<u32> = (0..stages.len() as u32).collect();
        order.sort_by_key(|&i| {
            let s = &stages[i as usize];
            (s.to, s.from, i)
        });
        let mut into_start = vec![0u32; n + 1];
        for s in &stages {
            into_start[s.to as usize + 1] += 1;
        }
        for a in 0..n {
            into_start[a + 1] += into_start[a];
        }
        Self {
            area_names,
            element_ids,
            stages,
            into_start,
            into: order,
            is_entry,
            is_target,
            response_mean,
            response_var: response_sd * response_sd,
            p_neutralization,
        }
    }

    pub fn area_count(&self) -> usize {
        self.area_names.len()
    }

    pub fn stages(&self) -> &[Stage] {
        &self.stages
    }

    pub fn element_id(&self, element: usize) -> &str {
        &self.element_ids[element]
    }

    pub fn area_name(&self, area: u32) -> &str {
        &self.area_names[area as usize]
    }

    pub fn is_entry(&self, area: u32) -> bool {
        self.is_entry[area as usize]
    }

    pub fn is_target(&self, area: u32) -> bool {
        self.is_target[area as usize]
    }

    /// P_N for this adversary.
    pub fn p_neutralization(&self) -> f64 {
        self.p_neutralization
    }

    /// The stages entering `area`, grouped by the area they come from.
    pub(crate) fn stages_into(&self, area: u32) -> &[u32] {
        let a = area as usize;
        &self.into[self.into_start[a] as usize..self.into_start[a + 1] as usize]
    }

    /// Response force time (mean, variance).
    pub fn response(&self) -> (f64, f64) {
        (self.response_mean, self.response_var)
    }

    /// A copy with the response force time replaced.
    pub fn with_response(&self, mean: f64, sd: f64) -> Self {
        let mut n = self.clone();
        n.response_mean = mean;
        n.response_var = sd * sd;
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Facility;

    const SITE: &str = "
entries: [offsite]
target: vault
response: {mean: 300, sd: 90}
elements:
  - {id: fence, type: fence, from: offsite, to: yard, p_detect: 0.5, location: B, delay_mean: 10, delay_sd: 3}
  - {id: staff-door, type: door, badge_reader: true, from: yard, to: hall, p_detect: 0.8, p_assessment: 0.9, location: B, delay_mean: 90, delay_sd: 27}
  - {id: vault-door, type: door, from: hall, to: vault, p_detect: 0.9, p_communication: 0.8, location: M, delay_mean: 300, delay_sd: 90}
adversaries:
  - {name: walker}
  - {name: cutter, rules: [{type: fence, delay_factor: 0.5}, {type: door, detect_factor: 0.5}]}
  - {name: insider, kind: insider, entries: [yard]}
  - {name: tailgater, kind: insider, authorised_access: false}
  - {name: visitor, kind: insider, badge_access: []}
";

    fn stages_for(name: &str) -> Vec<Stage> {
        let f = Facility::from_yaml(SITE).unwrap();
        Network::new(&f, f.adversary(Some(name)).unwrap())
            .unwrap()
            .stages
    }

    #[test]
    fn profiles_change_delay_and_detection_by_element_type() {
        let walker = stages_for("walker");
        assert_eq!(walker[0].delay_mean, 10.0);
        assert!((walker[1].p_detect - 0.72).abs() < 1e-15, "P_D x P_A");
        assert_eq!(walker[2].p_communication, 0.8);
        assert_eq!(walker[0].p_communication, 1.0);
        let cutter = stages_for("cutter");
        // A cutting tool halves the fence's delay (mean and sd).
        assert_eq!(cutter[0].delay_mean, 5.0);
        assert!((cutter[0].delay_var - 1.5 * 1.5).abs() < 1e-12);
        assert!((cutter[1].p_detect - 0.36).abs() < 1e-15);
        assert_eq!(cutter[2].delay_mean, 300.0);
    }

    #[test]
    fn an_insiders_badge_bypasses_the_reader() {
        let f = Facility::from_yaml(SITE).unwrap();
        let insider = Network::new(&f, f.adversary(Some("insider")).unwrap()).unwrap();
        assert_eq!(insider.stages[1].p_detect, 0.0);
        assert_eq!(insider.stages[1].delay_mean, 0.0);
        // Other elements are unchanged, and the insider starts in the yard.
        assert_eq!(insider.stages[2].p_detect, 0.9);
        assert!(insider.is_entry(1) && !insider.is_entry(0));
        // An insider without authorised access meets the reader like anyone else.
        assert!((stages_for("tailgater")[1].p_detect - 0.72).abs() < 1e-15);
        // A badge that opens no reader here is no help either.
        assert!((stages_for("visitor")[1].p_detect - 0.72).abs() < 1e-15);
    }
}
