//! An RFC 5545 iCalendar feed of upcoming audits and inspections.
//!
//! One `VEVENT` per [`Occurrence`], an all-day event over its dates, with a
//! `UID` that stays the same for the same occurrence (derived from its kind,
//! source and date, so a calendar application updates it rather than adding
//! a copy), a `DTSTAMP` the caller passes in, and a `VALARM` for the
//! reminder. Text is escaped (`\`, `;`, `,` and newlines), lines end in
//! CRLF and are folded at 75 octets without splitting a UTF-8 character.
//!
//! [`parse`] is a small reader of what this module writes (unfolding,
//! unescaping, checking line lengths, endings and BEGIN/END nesting), used to
//! check the feed.

use crate::schedule::{Occurrence, OccurrenceKind};
use crate::uuid::derive;
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use std::fmt::Write as _;
use thiserror::Error;

/// The longest line, in octets, without its CRLF (RFC 5545 section 3.1).
pub const MAX_LINE_OCTETS: usize = 75;

/// The calendar's `PRODID`.
pub const PRODID: &str = "-//Rampart//Rampart compliance schedule//EN";

/// Escape a TEXT value: backslash, semicolon, comma and newlines; other
/// control characters (which TEXT may not hold) are dropped.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Append one content line, folded at [`MAX_LINE_OCTETS`] octets: CRLF and
/// a space before each continuation, never inside a UTF-8 sequence.
pub fn push_folded(out: &mut String, line: &str) {
    let mut room = MAX_LINE_OCTETS;
    let mut used = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if used + n > room {
            out.push_str("\r\n ");
            // The leading space counts towards the continuation's 75.
            room = MAX_LINE_OCTETS - 1;
            used = 0;
        }
        out.push(c);
        used += n;
    }
    out.push_str("\r\n");
}

fn compact_date(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), d.month(), d.day())
}

fn compact_stamp(t: Timestamp) -> String {
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// The UID of an occurrence: the same occurrence always gets the same one.
pub fn uid(o: &Occurrence) -> String {
    let day = o.start.to_string();
    format!(
        "{}@rampart",
        derive("ical-occurrence", &[o.kind.as_str(), &o.source, &day])
    )
}

/// The feed: a VCALENDAR with one VEVENT per occurrence.
pub fn feed(name: &str, occurrences: &[Occurrence], stamp: Timestamp) -> String {
    let mut out = String::with_capacity(256 + occurrences.len() * 512);
    let mut line = |s: &str| push_folded(&mut out, s);
    line("BEGIN:VCALENDAR");
    line("VERSION:2.0");
    line(&format!("PRODID:{PRODID}"));
    line("CALSCALE:GREGORIAN");
    line("METHOD:PUBLISH");
    line(&format!("X-WR-CALNAME:{}", escape_text(name)));
    let dtstamp = compact_stamp(stamp);
    for o in occurrences {
        let what = match o.kind {
            OccurrenceKind::Inspection => "Inspection",
            OccurrenceKind::Audit => "Audit",
            OccurrenceKind::AcceptanceTest => "Acceptance tests",
        };
        let end = o.end.checked_add(1.day()).unwrap_or(o.end);
        line("BEGIN:VEVENT");
        line(&format!("UID:{}", uid(o)));
        line(&format!("DTSTAMP:{dtstamp}"));
        line(&format!("DTSTART;VALUE=DATE:{}", compact_date(o.start)));
        line(&format!("DTEND;VALUE=DATE:{}", compact_date(end)));
        line(&format!("SUMMARY:{}", escape_text(&o.title)));
        let mut desc = format!("{what} {}", o.source);
        if let Some(site) = &o.site {
            let _ = write!(desc, " at site {site}");
        }
        desc.push('.');
        line(&format!("DESCRIPTION:{}", escape_text(&desc)));
        if let Some(site) = &o.site {
            line(&format!("LOCATION:{}", escape_text(site)));
        }
        line(&format!("CATEGORIES:{}", what.to_uppercase()));
        line("TRANSP:TRANSPARENT");
        line("BEGIN:VALARM");
        line("ACTION:DISPLAY");
        line(&format!(
            "DESCRIPTION:{}",
            escape_text(&format!("Reminder: {}", o.title))
        ));
        line(&format!("TRIGGER:-P{}D", o.reminder_days));
        line("END:VALARM");
        line("END:VEVENT");
    }
    line("END:VCALENDAR");
    out
}

/// One content line, unfolded and split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    pub name: String,
    /// Parameters as written (`VALUE=DATE`).
    pub params: Vec<String>,
    /// The value, TEXT-unescaped.
    pub value: String,
}

/// A component (`VCALENDAR`, `VEVENT`, `VALARM`) and what it holds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Component {
    pub name: String,
    pub properties: Vec<Property>,
    pub components: Vec<Component>,
}

impl Component {
    /// The first value of property `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.value.as_str())
    }
}

/// What [`parse`] found wrong, with the physical line number.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum IcalError {
    #[error("line {0}: not ended by CRLF")]
    BareNewline(usize),
    #[error("line {line}: {octets} octets, over {MAX_LINE_OCTETS}")]
    TooLong { line: usize, octets: usize },
    #[error("line {0}: no ':' between name and value")]
    NoColon(usize),
    #[error("line {line}: {found} where {expected} was open")]
    Nesting {
        line: usize,
        found: String,
        expected: String,
    },
    #[error("line {0}: a bad escape in a text value")]
    BadEscape(usize),
    #[error("the text does not hold exactly one VCALENDAR")]
    NotOneCalendar,
}

/// Unescape a TEXT value.
pub fn unescape_text(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next()? {
                '\\' => out.push('\\'),
                ';' => out.push(';'),
                ',' => out.push(','),
                'n' | 'N' => out.push('\n'),
                _ => return None,
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// Read a feed back: every line ends in CRLF and is at most 75 octets;
/// folded lines are joined; components nest properly.
pub fn parse(text: &str) -> Result<Component, IcalError> {
    // Physical lines, checked.
    let mut logical: Vec<(usize, String)> = Vec::new();
    let mut rest = text;
    let mut n = 0;
    while !rest.is_empty() {
        n += 1;
        let Some(end) = rest.find("\r\n") else {
            return Err(IcalError::BareNewline(n));
        };
        let physical = &rest[..end];
        rest = &rest[end + 2..];
        if physical.contains(['\r', '\n']) {
            return Err(IcalError::BareNewline(n));
        }
        if physical.len() > MAX_LINE_OCTETS {
            return Err(IcalError::TooLong {
                line: n,
                octets: physical.len(),
            });
        }
        match (physical.strip_prefix([' ', '\t']), logical.last_mut()) {
            (Some(cont), Some((_, last))) => last.push_str(cont),
            _ => logical.push((n, physical.to_owned())),
        }
    }
    let mut stack: Vec<Component> = Vec::new();
    let mut done: Vec<Component> = Vec::new();
    for (n, l) in logical {
        let Some((head, value)) = l.split_once(':') else {
            return Err(IcalError::NoColon(n));
        };
        let mut parts = head.split(';');
        let name = parts.next().unwrap_or_default().to_ascii_uppercase();
        let params: Vec<String> = parts.map(str::to_owned).collect();
        match name.as_str() {
            "BEGIN" => stack.push(Component {
                name: value.to_owned(),
                ..Component::default()
            }),
            "END" => {
                let Some(c) = stack.pop() else {
                    return Err(IcalError::Nesting {
                        line: n,
                        found: format!("END:{value}"),
                        expected: "nothing".into(),
                    });
                };
                if c.name != value {
                    return Err(IcalError::Nesting {
                        line: n,
                        found: format!("END:{value}"),
                        expected: c.name,
                    });
                }
                match stack.last_mut() {
                    Some(parent) => parent.components.push(c),
                    None => done.push(c),
                }
            }
            _ => {
                let value = unescape_text(value).ok_or(IcalError::BadEscape(n))?;
                let Some(top) = stack.last_mut() else {
                    return Err(IcalError::Nesting {
                        line: n,
                        found: name,
                        expected: "nothing".into(),
                    });
                };
                top.properties.push(Property {
                    name,
                    params,
                    value,
                });
            }
        }
    }
    if let Some(open) = stack.pop() {
        return Err(IcalError::Nesting {
            line: n,
            found: "the end".into(),
            expected: open.name,
        });
    }
    match <[Component; 1]>::try_from(done) {
        Ok([cal]) if cal.name == "VCALENDAR" => Ok(cal),
        _ => Err(IcalError::NotOneCalendar),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn escaping_by_hand() {
        assert_eq!(
            escape_text("Gate 3; chain, cut\\ok\r\nnext\nline\u{7}"),
            "Gate 3\\; chain\\, cut\\\\ok\\nnext\\nline"
        );
        assert_eq!(
            unescape_text("Gate 3\\; chain\\, cut\\\\ok\\nnext").as_deref(),
            Some("Gate 3; chain, cut\\ok\nnext")
        );
        assert_eq!(unescape_text("bad \\x"), None);
    }

    #[test]
    fn folding_by_hand() {
        let mut out = String::new();
        push_folded(&mut out, "SHORT:x");
        assert_eq!(out, "SHORT:x\r\n");
        // 80 ASCII octets: 75 on the first line, 5 after the space.
        let line = format!("SUMMARY:{}", "a".repeat(72));
        out.clear();
        push_folded(&mut out, &line);
        assert_eq!(
            out,
            format!("SUMMARY:{}\r\n {}\r\n", "a".repeat(67), "a".repeat(5))
        );
        // A 2-octet character that would straddle octet 75 moves to the
        // next line whole: 74 octets, then the space and "é" and "b".
        let line = format!("SUMMARY:{}éb", "a".repeat(66));
        out.clear();
        push_folded(&mut out, &line);
        assert_eq!(out, format!("SUMMARY:{}\r\n éb\r\n", "a".repeat(66)));
        // Exactly 75 octets is not folded; continuations hold 74 after the space.
        let line = "x".repeat(75 + 74 + 1);
        out.clear();
        push_folded(&mut out, &line);
        assert_eq!(
            out,
            format!("{}\r\n {}\r\n {}\r\n", "x".repeat(75), "x".repeat(74), "x")
        );
    }

    fn occurrence() -> Occurrence {
        Occurrence {
            kind: OccurrenceKind::Audit,
            source: "dc-800-53".into(),
            title: "SP 800-53; access, physical".into(),
            site: Some("dc".into()),
            start: date(2026, 3, 20),
            end: date(2026, 3, 27),
            reminder_days: 7,
        }
    }

    #[test]
    fn a_feed_by_hand() {
        let stamp: Timestamp = "2026-03-05T09:30:00Z".parse().unwrap();
        let o = occurrence();
        let text = feed("Rampart: dc", std::slice::from_ref(&o), stamp);
        let want = format!(
            "BEGIN:VCALENDAR\r\n\
             VERSION:2.0\r\n\
             PRODID:-//Rampart//Rampart compliance schedule//EN\r\n\
             CALSCALE:GREGORIAN\r\n\
             METHOD:PUBLISH\r\n\
             X-WR-CALNAME:Rampart: dc\r\n\
             BEGIN:VEVENT\r\n\
             UID:{}\r\n\
             DTSTAMP:20260305T093000Z\r\n\
             DTSTART;VALUE=DATE:20260320\r\n\
             DTEND;VALUE=DATE:20260328\r\n\
             SUMMARY:SP 800-53\\; access\\, physical\r\n\
             DESCRIPTION:Audit dc-800-53 at site dc.\r\n\
             LOCATION:dc\r\n\
             CATEGORIES:AUDIT\r\n\
             TRANSP:TRANSPARENT\r\n\
             BEGIN:VALARM\r\n\
             ACTION:DISPLAY\r\n\
             DESCRIPTION:Reminder: SP 800-53\\; access\\, physical\r\n\
             TRIGGER:-P7D\r\n\
             END:VALARM\r\n\
             END:VEVENT\r\n\
             END:VCALENDAR\r\n",
            uid(&o)
        );
        assert_eq!(text, want);
        let cal = parse(&text).unwrap();
        assert_eq!(cal.components.len(), 1);
        let ev = &cal.components[0];
        assert_eq!(ev.get("SUMMARY"), Some("SP 800-53; access, physical"));
        assert_eq!(ev.components[0].get("TRIGGER"), Some("-P7D"));
    }

    #[test]
    fn uids_are_stable_per_occurrence() {
        let a = occurrence();
        let mut b = occurrence();
        b.title = "renamed".into();
        assert_eq!(uid(&a), uid(&b), "a new title is the same occurrence");
        b.start = date(2026, 3, 21);
        assert_ne!(uid(&a), uid(&b));
        let mut c = occurrence();
        c.kind = OccurrenceKind::Inspection;
        assert_ne!(uid(&a), uid(&c));
    }

    #[test]
    fn long_and_awkward_text_round_trips() {
        let stamp: Timestamp = "2026-03-05T09:30:00Z".parse().unwrap();
        let mut o = occurrence();
        o.title = format!(
            "Résumé, çà; {}\\ done\nsecond line — ünïcödé {}",
            "long ".repeat(30),
            "日本語".repeat(20)
        );
        let text = feed("x", &[o.clone(), occurrence()], stamp);
        for l in text.split("\r\n") {
            assert!(l.len() <= MAX_LINE_OCTETS, "{l:?}");
        }
        let cal = parse(&text).unwrap();
        assert_eq!(cal.components.len(), 2);
        assert_eq!(cal.components[0].get("SUMMARY"), Some(o.title.as_str()));
        assert_eq!(cal.components[0].get("UID"), Some(uid(&o).as_str()));
    }

    #[test]
    fn the_checker_catches_broken_feeds() {
        assert_eq!(
            parse("BEGIN:VCALENDAR\nEND:VCALENDAR\r\n"),
            Err(IcalError::BareNewline(1))
        );
        let long = format!(
            "BEGIN:VCALENDAR\r\nX:{}\r\nEND:VCALENDAR\r\n",
            "y".repeat(80)
        );
        assert!(matches!(
            parse(&long),
            Err(IcalError::TooLong { line: 2, .. })
        ));
        assert!(matches!(
            parse("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VCALENDAR\r\n"),
            Err(IcalError::Nesting { line: 3, .. })
        ));
        assert_eq!(
            parse("BEGIN:VCALENDAR\r\nSUMMARY:a\\qb\r\nEND:VCALENDAR\r\n"),
            Err(IcalError::BadEscape(2))
        );
    }
}
