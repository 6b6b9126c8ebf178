//! Schedules: recurring inspections and planned audits, and what is coming
//! up or overdue on a given day.
//!
//! A recurring inspection happens every N days, weeks or months from a
//! start date (monthly dates are counted from the start, so the 31st gives
//! the last day of shorter months and comes back to the 31st), with a
//! reminder a number of days before. Occurrences up to the date the last one
//! was done count as done; earlier undone ones are overdue. A planned audit
//! is one occurrence spanning its planned dates; it is overdue once its end
//! has passed and it is not completed.
//!
//! "Today" is always passed in: this module reads no clock. The iCalendar
//! feed of these occurrences is [`crate::ical`].

use jiff::civil::Date;
use jiff::{Span, ToSpan};
use thiserror::Error;

/// How often an inspection recurs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Every {
    Days(u32),
    Weeks(u32),
    Months(u32),
}

impl Every {
    fn count(self) -> u32 {
        match self {
            Every::Days(n) | Every::Weeks(n) | Every::Months(n) => n,
        }
    }
}

/// A recurring inspection ("check the perimeter fence every 2 weeks").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectionSchedule {
    pub id: String,
    pub title: String,
    pub site: Option<String>,
    pub every: Every,
    /// The first occurrence.
    pub start: Date,
    /// No occurrence after this date.
    pub until: Option<Date>,
    /// Remind this many days before each occurrence (0: on the day).
    pub reminder_days: u32,
    /// Occurrences on or before this date are done.
    pub done_through: Option<Date>,
}

/// Where a planned audit stands, as far as the calendar cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanState {
    Open,
    Completed,
}

/// A planned audit, or planned acceptance tests of a new system: work on
/// dates, done once (completed, or signed off).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedAudit {
    /// `Audit` or `AcceptanceTest`.
    pub kind: OccurrenceKind,
    pub id: String,
    pub title: String,
    pub site: Option<String>,
    pub start: Date,
    /// The last day (inclusive).
    pub end: Date,
    pub state: PlanState,
    pub reminder_days: u32,
}

/// What an occurrence is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OccurrenceKind {
    Inspection,
    Audit,
    AcceptanceTest,
}

impl OccurrenceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OccurrenceKind::Inspection => "inspection",
            OccurrenceKind::Audit => "audit",
            OccurrenceKind::AcceptanceTest => "acceptance_test",
        }
    }
}

/// One dated occurrence of an inspection or an audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    pub kind: OccurrenceKind,
    /// The schedule or audit it comes from.
    pub source: String,
    pub title: String,
    pub site: Option<String>,
    pub start: Date,
    /// The last day (inclusive).
    pub end: Date,
    pub reminder_days: u32,
}

impl Occurrence {
    /// The day the reminder is due.
    pub fn remind_on(&self) -> Date {
        self.start
            .checked_sub(i64::from(self.reminder_days).days())
            .unwrap_or(self.start)
    }
}

/// What is coming and what is late, each sorted by date, then source.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Agenda {
    /// Occurrences not yet over that start within the horizon (those under
    /// way today included).
    pub upcoming: Vec<Occurrence>,
    /// Occurrences whose last day has passed and that are not done.
    pub overdue: Vec<Occurrence>,
}

/// A schedule the rules refuse.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ScheduleError {
    #[error("inspection schedule {0}: the interval must be at least 1")]
    ZeroInterval(String),
    #[error("inspection schedule {id}: it ends ({until}) before it starts ({start})")]
    EndsBeforeStart {
        id: String,
        start: Date,
        until: Date,
    },
    #[error("audit {id}: it ends ({end}) before it starts ({start})")]
    AuditEndsBeforeStart { id: String, start: Date, end: Date },
}

impl InspectionSchedule {
    /// The `n`th occurrence (0 is the start), if representable.
    pub fn nth(&self, n: u32) -> Option<Date> {
        let k = i64::from(self.every.count()) * i64::from(n);
        let span = match self.every {
            Every::Days(_) => Span::new().try_days(k).ok()?,
            Every::Weeks(_) => Span::new().try_weeks(k).ok()?,
            Every::Months(_) => Span::new().try_months(k).ok()?,
        };
        self.start.checked_add(span).ok()
    }

    /// The occurrences from `from` to `to` (inclusive), in order.
    pub fn between(&self, from: Date, to: Date) -> Result<Vec<Date>, ScheduleError> {
        self.check()?;
        let to = match self.until {
            Some(u) if u < to => u,
            _ => to,
        };
        let mut out = Vec::new();
        let mut n = self.first_index_from(from);
        while let Some(d) = self.nth(n) {
            if d > to {
                break;
            }
            if d >= from {
                out.push(d);
            }
            n += 1;
        }
        Ok(out)
    }

    /// The occurrences before `today` not done: from the day after
    /// `done_through` (or the start) to yesterday.
    pub fn overdue(&self, today: Date) -> Result<Vec<Date>, ScheduleError> {
        let from = match self.done_through {
            Some(done) => done.checked_add(1.day()).unwrap_or(Date::MAX),
            None => self.start,
        };
        match today.checked_sub(1.day()) {
            Ok(yesterday) if from <= yesterday => self.between(from, yesterday),
            _ => Ok(Vec::new()),
        }
    }

    /// The first occurrence on or after `today`; `None` once the schedule
    /// has ended (an occurrence comes at most 366 days, weeks or months
    /// apart, so the search stops after the longest gap).
    pub fn next(&self, today: Date) -> Result<Option<Date>, ScheduleError> {
        self.check()?;
        let mut n = self.first_index_from(today);
        while let Some(d) = self.nth(n) {
            if self.until.is_some_and(|u| d > u) {
                return Ok(None);
            }
            if d >= today {
                return Ok(Some(d));
            }
            n += 1;
        }
        Ok(None)
    }

    /// An index at or a little before the first occurrence on or after
    /// `from`, so that old schedules need not be walked from their start.
    fn first_index_from(&self, from: Date) -> u32 {
        let days = self
            .start
            .until(from)
            .map(|s| i64::from(s.get_days()))
            .unwrap_or(0);
        if days <= 0 {
            return 0;
        }
        let per = match self.every {
            Every::Days(n) => i64::from(n),
            Every::Weeks(n) => 7 * i64::from(n),
            // A month is at least 28 days; stepping back one keeps it at or before.
            Every::Months(n) => 31 * i64::from(n),
        };
        u32::try_from((days / per).saturating_sub(1)).unwrap_or(0)
    }

    fn check(&self) -> Result<(), ScheduleError> {
        if self.every.count() == 0 {
            return Err(ScheduleError::ZeroInterval(self.id.clone()));
        }
        if let Some(u) = self.until
            && u < self.start
        {
            return Err(ScheduleError::EndsBeforeStart {
                id: self.id.clone(),
                start: self.start,
                until: u,
            });
        }
        Ok(())
    }

    fn occurrence(&self, d: Date) -> Occurrence {
        Occurrence {
            kind: OccurrenceKind::Inspection,
            source: self.id.clone(),
            title: self.title.clone(),
            site: self.site.clone(),
            start: d,
            end: d,
            reminder_days: self.reminder_days,
        }
    }
}

/// The agenda on `today`: occurrences starting within `horizon_days` after
/// today (or under way), and the overdue ones.
pub fn agenda(
    inspections: &[InspectionSchedule],
    audits: &[PlannedAudit],
    today: Date,
    horizon_days: u32,
) -> Result<Agenda, ScheduleError> {
    let last = today
        .checked_add(i64::from(horizon_days).days())
        .unwrap_or(Date::MAX);
    let mut a = Agenda::default();
    for s in inspections {
        for d in s.between(today, last)? {
            a.upcoming.push(s.occurrence(d));
        }
        for d in s.overdue(today)? {
            a.overdue.push(s.occurrence(d));
        }
    }
    for p in audits {
        if p.end < p.start {
            return Err(ScheduleError::AuditEndsBeforeStart {
                id: p.id.clone(),
                start: p.start,
                end: p.end,
            });
        }
        if p.state == PlanState::Completed {
            continue;
        }
        let o = Occurrence {
            kind: p.kind,
            source: p.id.clone(),
            title: p.title.clone(),
            site: p.site.clone(),
            start: p.start,
            end: p.end,
            reminder_days: p.reminder_days,
        };
        if p.end < today {
            a.overdue.push(o);
        } else if p.start <= last {
            a.upcoming.push(o);
        }
    }
    let order = |x: &Occurrence, y: &Occurrence| {
        (x.start, x.kind, &x.source).cmp(&(y.start, y.kind, &y.source))
    };
    a.upcoming.sort_by(order);
    a.overdue.sort_by(order);
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn fence(every: Every) -> InspectionSchedule {
        InspectionSchedule {
            id: "fence".into(),
            title: "Perimeter fence walk".into(),
            site: Some("hq".into()),
            every,
            start: date(2026, 1, 31),
            until: None,
            reminder_days: 2,
            done_through: None,
        }
    }

    #[test]
    fn monthly_dates_count_from_the_start() {
        let s = fence(Every::Months(1));
        let got = s.between(date(2026, 1, 1), date(2026, 5, 31)).unwrap();
        assert_eq!(
            got,
            [
                date(2026, 1, 31),
                date(2026, 2, 28),
                date(2026, 3, 31),
                date(2026, 4, 30),
                date(2026, 5, 31)
            ]
        );
        let q = fence(Every::Months(3));
        assert_eq!(
            q.between(date(2026, 2, 1), date(2026, 12, 31)).unwrap(),
            [date(2026, 4, 30), date(2026, 7, 31), date(2026, 10, 31)]
        );
    }

    #[test]
    fn the_next_round_is_the_first_of_the_rounds_from_today() {
        for every in [
            Every::Days(3),
            Every::Weeks(2),
            Every::Months(1),
            Every::Months(12),
        ] {
            for until in [None, Some(date(2026, 9, 30))] {
                let s = InspectionSchedule {
                    until,
                    ..fence(every)
                };
                let mut today = date(2025, 12, 1);
                while today < date(2027, 3, 1) {
                    let far = today.checked_add(800.days()).unwrap();
                    let first = s.between(today, far).unwrap().first().copied();
                    assert_eq!(s.next(today).unwrap(), first, "{every:?} {until:?} {today}");
                    today = today.checked_add(5.days()).unwrap();
                }
            }
        }
        // Rounds not done: from the day after `done_through` to yesterday.
        let s = InspectionSchedule {
            done_through: Some(date(2026, 2, 14)),
            ..fence(Every::Weeks(2))
        };
        assert_eq!(
            s.overdue(date(2026, 3, 14)).unwrap(),
            [date(2026, 2, 28)],
            "14 March itself is today's round, not overdue"
        );
        assert_eq!(s.overdue(date(2026, 1, 1)).unwrap(), []);
    }

    #[test]
    fn days_and_weeks_match_brute_force() {
        for every in [
            Every::Days(1),
            Every::Days(3),
            Every::Weeks(1),
            Every::Weeks(2),
        ] {
            let s = fence(every);
            let step = match every {
                Every::Days(n) => i64::from(n),
                Every::Weeks(n) => 7 * i64::from(n),
                Every::Months(_) => unreachable!(),
            };
            let (from, to) = (date(2027, 3, 3), date(2027, 6, 1));
            let mut want = Vec::new();
            let mut d = s.start;
            while d <= to {
                if d >= from {
                    want.push(d);
                }
                d = d.checked_add(step.days()).unwrap();
            }
            assert_eq!(s.between(from, to).unwrap(), want, "{every:?}");
        }
    }

    #[test]
    fn agenda_lists_upcoming_and_overdue() {
        let mut s = fence(Every::Weeks(1));
        s.start = date(2026, 3, 2); // a Monday
        s.done_through = Some(date(2026, 3, 9));
        let audits = [
            PlannedAudit {
                kind: OccurrenceKind::Audit,
                id: "aud-late".into(),
                title: "Annual inspection".into(),
                site: Some("hq".into()),
                start: date(2026, 3, 1),
                end: date(2026, 3, 3),
                state: PlanState::Open,
                reminder_days: 7,
            },
            PlannedAudit {
                kind: OccurrenceKind::Audit,
                id: "aud-now".into(),
                title: "800-53 assessment".into(),
                site: Some("dc".into()),
                start: date(2026, 3, 20),
                end: date(2026, 3, 27),
                state: PlanState::Open,
                reminder_days: 7,
            },
            PlannedAudit {
                kind: OccurrenceKind::Audit,
                id: "aud-done".into(),
                title: "Done".into(),
                site: None,
                start: date(2026, 3, 1),
                end: date(2026, 3, 2),
                state: PlanState::Completed,
                reminder_days: 7,
            },
            PlannedAudit {
                kind: OccurrenceKind::Audit,
                id: "aud-far".into(),
                title: "Far".into(),
                site: None,
                start: date(2026, 6, 1),
                end: date(2026, 6, 2),
                state: PlanState::Open,
                reminder_days: 7,
            },
            PlannedAudit {
                kind: OccurrenceKind::AcceptanceTest,
                id: "new-readers".into(),
                title: "Reader acceptance".into(),
                site: Some("hq".into()),
                start: date(2026, 4, 2),
                end: date(2026, 4, 2),
                state: PlanState::Open,
                reminder_days: 3,
            },
        ];
        // Today is Tuesday 24 March; 14 days ahead is 7 April.
        let a = agenda(&[s], &audits, date(2026, 3, 24), 14).unwrap();
        let show = |v: &[Occurrence]| {
            v.iter()
                .map(|o| format!("{} {}", o.source, o.start))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            show(&a.upcoming),
            [
                "aud-now 2026-03-20",
                "fence 2026-03-30",
                "new-readers 2026-04-02",
                "fence 2026-04-06"
            ]
        );
        assert_eq!(a.upcoming[2].kind, OccurrenceKind::AcceptanceTest);
        assert_eq!(
            show(&a.overdue),
            [
                "aud-late 2026-03-01",
                "fence 2026-03-16",
                "fence 2026-03-23"
            ]
        );
        assert_eq!(a.upcoming[1].remind_on(), date(2026, 3, 28));
    }

    #[test]
    fn bad_schedules_are_refused() {
        let s = fence(Every::Days(0));
        assert_eq!(
            agenda(&[s], &[], date(2026, 3, 1), 10).unwrap_err(),
            ScheduleError::ZeroInterval("fence".into())
        );
        let mut s = fence(Every::Days(1));
        s.until = Some(date(2025, 1, 1));
        assert!(matches!(
            s.between(date(2026, 1, 1), date(2026, 2, 1)),
            Err(ScheduleError::EndsBeforeStart { .. })
        ));
        // `until` stops the series.
        let mut s = fence(Every::Days(1));
        s.until = Some(date(2026, 2, 2));
        assert_eq!(
            s.between(date(2026, 1, 1), date(2026, 3, 1)).unwrap(),
            [date(2026, 1, 31), date(2026, 2, 1), date(2026, 2, 2)]
        );
    }
}
