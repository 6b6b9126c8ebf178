//! The create and edit forms of zones, threats, controls and people: the
//! same machinery as `forms` (fieldsets built from the typed values, errors
//! beside each field, writes through the API's rules), one `FormKind` each.
//! What a form does not show is kept from the stored record: a threat's
//! adversary profile and per-site ratings, a person's sites.

use rampart_domain::{Control, Id, Person, Threat, Zone};

use super::FormData;
use super::code;
use super::forms::Fieldset;
use super::forms::{
    Errors, FormField, FormKind, ID_HINT, Options, Parse, codes, fieldset, id_field, id_of,
};

const ZONE_KINDS: &[&str] = &[
    "perimeter",
    "building",
    "floor",
    "area",
    "room",
    "parking",
    "yard",
];
const CLASSIFICATIONS: &[&str] = &["public", "controlled", "restricted", "high_security"];
const THREAT_CATEGORIES: &[&str] = &[
    "criminal",
    "insider",
    "terrorism",
    "natural_hazard",
    "technical_failure",
    "cyber",
];
const CONTROL_FUNCTIONS: &[&str] = &["deter", "detect", "delay", "respond", "recover"];
const CONTROL_KINDS: &[&str] = &["physical", "technical", "procedural", "personnel"];
const PERSON_KINDS: &[&str] = &["staff", "contractor", "visitor"];
const PERSON_STATUSES: &[&str] = &["active", "suspended", "terminated"];

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn opt_id(v: &Option<Id>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

impl FormKind for Zone {
    const NOUN: &'static str = "zone";
    const BASE: &'static str = "/zones";
    fn title(&self) -> String {
        self.name.clone()
    }
    fn values(&self) -> FormData {
        let mut v = FormData::default();
        v.set("id", self.id.to_string());
        v.set("site", self.site.to_string());
        v.set("parent", opt_id(&self.parent));
        v.set("name", self.name.clone());
        v.set("kind", code(&self.kind));
        v.set("classification", code(&self.classification));
        v.set("description", opt(&self.description));
        v
    }
    fn fieldsets(v: &FormData, o: &Options, creating: bool) -> Vec<Fieldset> {
        vec![fieldset(
            "Zone",
            "",
            vec![
                id_field(v, creating, ID_HINT),
                FormField::new("name", "Name", "text", v).required(),
                FormField::new("site", "Site", "select", v)
                    .required()
                    .options(Some("Choose a site"), o.sites.clone()),
                FormField::new("parent", "Within zone", "select", v)
                    .options(Some("Not within another zone"), o.zones.clone())
                    .hint("The enclosing zone must be on the same site."),
                FormField::new("kind", "Kind", "select", v).options(None, codes(ZONE_KINDS)),
                FormField::new("classification", "Classification", "select", v)
                    .options(None, codes(CLASSIFICATIONS))
                    .hint("From public to high security: the layers of protection."),
                FormField::new("description", "Description", "textarea", v),
            ],
        )]
    }
    fn parse(v: &FormData, base: Option<&Zone>, _o: &Options) -> Result<Zone, Errors> {
        let mut p = Parse::new(v);
        let id = id_of(&mut p, base.map(|b| &b.id));
        let name = p.text("name", "a name", 200);
        let site = p.id("site", "a site");
        let parent = p.opt_id("parent");
        let kind = p.choice("kind", "a kind of zone");
        let classification = p.choice("classification", "a classification");
        let description = p.opt_text("description", 4000);
        if parent.is_some() && parent == id {
            p.fail("parent", "A zone cannot be within itself.");
        }
        p.done()?;
        let (Some(id), Some(site), Some(kind), Some(classification)) =
            (id, site, kind, classification)
        else {
            return Err(Errors::new());
        };
        Ok(Zone {
            id,
            site,
            parent,
            name,
            kind,
            classification,
            description,
        })
    }
}

impl FormKind for Threat {
    const NOUN: &'static str = "threat";
    const BASE: &'static str = "/threats";
    fn title(&self) -> String {
        self.name.clone()
    }
    fn values(&self) -> FormData {
        let mut v = FormData::default();
        v.set("id", self.id.to_string());
        v.set("name", self.name.clone());
        v.set("category", code(&self.category));
        v.set("description", opt(&self.description));
        v
    }
    fn fieldsets(v: &FormData, _o: &Options, creating: bool) -> Vec<Fieldset> {
        vec![fieldset(
            "Threat",
            "The adversary profile and the threat ratings per site are kept as they are; change them through the organisation file or the API.",
            vec![
                id_field(v, creating, ID_HINT),
                FormField::new("name", "Name", "text", v).required(),
                FormField::new("category", "Category", "select", v)
                    .required()
                    .options(Some("Choose"), codes(THREAT_CATEGORIES)),
                FormField::new("description", "Description", "textarea", v),
            ],
        )]
    }
    fn parse(v: &FormData, base: Option<&Threat>, _o: &Options) -> Result<Threat, Errors> {
        let mut p = Parse::new(v);
        let id = id_of(&mut p, base.map(|b| &b.id));
        let name = p.text("name", "a name", 200);
        let category = p.choice("category", "a category");
        let description = p.opt_text("description", 4000);
        p.done()?;
        let (Some(id), Some(category)) = (id, category) else {
            return Err(Errors::new());
        };
        Ok(Threat {
            id,
            name,
            category,
            description,
            adversary: base.and_then(|b| b.adversary.clone()),
            ratings: base.map(|b| b.ratings.clone()).unwrap_or_default(),
        })
    }
}

impl FormKind for Control {
    const NOUN: &'static str = "control";
    const BASE: &'static str = "/controls";
    fn title(&self) -> String {
        self.name.clone()
    }
    fn values(&self) -> FormData {
        let mut v = FormData::default();
        v.set("id", self.id.to_string());
        v.set("name", self.name.clone());
        v.set("function", code(&self.function));
        v.set("kind", code(&self.kind));
        v.set("description", opt(&self.description));
        v.set("capex", format!("{}", self.capex));
        v.set("opex_annual", format!("{}", self.opex_annual));
        v.set(
            "effectiveness",
            self.effectiveness
                .map(|e| format!("{}", e * 100.0))
                .unwrap_or_default(),
        );
        v.set(
            "lifetime_years",
            self.lifetime_years
                .map(|y| y.to_string())
                .unwrap_or_default(),
        );
        v
    }
    fn fieldsets(v: &FormData, o: &Options, creating: bool) -> Vec<Fieldset> {
        let cur = &o.org.currency;
        vec![
            fieldset(
                "Control",
                "",
                vec![
                    id_field(v, creating, ID_HINT),
                    FormField::new("name", "Name", "text", v).required(),
                    FormField::new("function", "Function", "select", v)
                        .required()
                        .options(Some("Choose"), codes(CONTROL_FUNCTIONS))
                        .hint("Deter, detect, delay, respond or recover."),
                    FormField::new("kind", "Kind", "select", v).options(None, codes(CONTROL_KINDS)),
                    FormField::new("description", "Description", "textarea", v),
                ],
            ),
            fieldset(
                "Cost and effect",
                "",
                vec![
                    FormField::new("capex", &format!("One-off cost ({cur})"), "number", v)
                        .range("0", "", "any"),
                    FormField::new("opex_annual", &format!("Yearly cost ({cur})"), "number", v)
                        .range("0", "", "any"),
                    FormField::new("effectiveness", "Effectiveness (%)", "number", v)
                        .range("0", "100", "any")
                        .hint("The share of the risk it is expected to remove."),
                    FormField::new("lifetime_years", "Lifetime (years)", "number", v)
                        .range("1", "100", "1"),
                ],
            ),
        ]
    }
    fn parse(v: &FormData, base: Option<&Control>, _o: &Options) -> Result<Control, Errors> {
        let mut p = Parse::new(v);
        let id = id_of(&mut p, base.map(|b| &b.id));
        let name = p.text("name", "a name", 200);
        let function = p.choice("function", "a function");
        let kind = p.choice("kind", "a kind of control");
        let description = p.opt_text("description", 4000);
        let capex = p.opt_number("capex", 0.0).unwrap_or(0.0);
        let opex_annual = p.opt_number("opex_annual", 0.0).unwrap_or(0.0);
        let effectiveness = p.opt_number("effectiveness", 0.0);
        if effectiveness.is_some_and(|e| e > 100.0) {
            p.fail("effectiveness", "Enter a percentage from 0 to 100.");
        }
        let lifetime = p.opt_number("lifetime_years", 1.0);
        if lifetime.is_some_and(|y| y.fract() != 0.0 || y > 100.0) {
            p.fail(
                "lifetime_years",
                "Enter a whole number of years from 1 to 100.",
            );
        }
        p.done()?;
        let (Some(id), Some(function), Some(kind)) = (id, function, kind) else {
            return Err(Errors::new());
        };
        Ok(Control {
            id,
            name,
            function,
            kind,
            description,
            capex,
            opex_annual,
            effectiveness: effectiveness.map(|e| e / 100.0),
            lifetime_years: lifetime.map(|y| y as u32),
        })
    }
}

impl FormKind for Person {
    const NOUN: &'static str = "person";
    const BASE: &'static str = "/people";
    fn title(&self) -> String {
        self.name.clone()
    }
    fn values(&self) -> FormData {
        let mut v = FormData::default();
        v.set("id", self.id.to_string());
        v.set("name", self.name.clone());
        v.set("kind", code(&self.kind));
        v.set("employer", opt(&self.employer));
        v.set("email", opt(&self.email));
        v.set("roles", self.roles.join(", "));
        v.set("status", code(&self.status));
        v
    }
    fn fieldsets(v: &FormData, _o: &Options, creating: bool) -> Vec<Fieldset> {
        vec![fieldset(
            "Person",
            "The sites a person is normally at are kept as they are; change them through the organisation file or the API.",
            vec![
                id_field(v, creating, ID_HINT),
                FormField::new("name", "Name", "text", v).required(),
                FormField::new("kind", "Kind", "select", v)
                    .required()
                    .options(Some("Choose"), codes(PERSON_KINDS)),
                FormField::new("employer", "Employer", "text", v),
                FormField::new("email", "Email", "email", v),
                FormField::new("roles", "Job roles", "text", v)
                    .hint("Separated by commas, e.g. security manager, key holder."),
                FormField::new("status", "Status", "select", v)
                    .options(None, codes(PERSON_STATUSES))
                    .hint("A suspended or terminated person's badge should no longer open doors."),
            ],
        )]
    }
    fn parse(v: &FormData, base: Option<&Person>, _o: &Options) -> Result<Person, Errors> {
        let mut p = Parse::new(v);
        let id = id_of(&mut p, base.map(|b| &b.id));
        let name = p.text("name", "a name", 200);
        let kind = p.choice("kind", "a kind of person");
        let employer = p.opt_text("employer", 200);
        let email = p.opt_text("email", 320);
        if let Some(e) = &email
            && (!e.contains('@') || e.contains(char::is_whitespace))
        {
            p.fail("email", "Enter an email address like name@example.com.");
        }
        let roles_text = p.opt_text("roles", 1000).unwrap_or_default();
        let status = p.choice("status", "a status");
        p.done()?;
        let (Some(id), Some(kind), Some(status)) = (id, kind, status) else {
            return Err(Errors::new());
        };
        Ok(Person {
            id,
            name,
            kind,
            employer,
            email,
            roles: roles_text
                .split(',')
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_owned)
                .collect(),
            sites: base.map(|b| b.sites.clone()).unwrap_or_default(),
            status,
        })
    }
}

const RECURRENCE_UNITS: &[&str] = &["days", "weeks", "months"];

/// A recurring inspection. The checklist walked (`framework`) is kept from
/// the stored record; the rounds done are recorded on the Inspections page.
impl FormKind for rampart_domain::Inspection {
    const NOUN: &'static str = "inspection";
    const BASE: &'static str = "/inspections";
    fn title(&self) -> String {
        self.title.clone()
    }
    fn values(&self) -> FormData {
        use rampart_domain::Recurrence;
        let mut v = FormData::default();
        v.set("id", self.id.to_string());
        v.set("title", self.title.clone());
        v.set("site", self.site.to_string());
        let (n, unit) = match self.every {
            Recurrence::Days(n) => (n, "days"),
            Recurrence::Weeks(n) => (n, "weeks"),
            Recurrence::Months(n) => (n, "months"),
        };
        v.set("every", n.to_string());
        v.set("unit", unit);
        v.set("start", self.start.to_string());
        v.set(
            "until",
            self.until.map(|d| d.to_string()).unwrap_or_default(),
        );
        v.set("reminder_days", self.reminder_days.to_string());
        v.set("owner", opt_id(&self.owner));
        v
    }
    fn fieldsets(v: &FormData, o: &Options, creating: bool) -> Vec<Fieldset> {
        vec![
            fieldset(
                "Inspection",
                "",
                vec![
                    id_field(v, creating, ID_HINT),
                    FormField::new("title", "What is inspected", "text", v).required(),
                    FormField::new("site", "Site", "select", v)
                        .required()
                        .options(Some("Choose a site"), o.sites.clone()),
                    FormField::new("owner", "Carried out by", "select", v)
                        .options(Some("No one named"), o.people.clone()),
                ],
            ),
            fieldset(
                "Schedule",
                "Rounds recur from the first date; a reminder comes the given number of days before each.",
                vec![
                    FormField::new("every", "Every", "number", v)
                        .required()
                        .range("1", "366", "1"),
                    FormField::new("unit", "Unit", "select", v)
                        .required()
                        .options(None, codes(RECURRENCE_UNITS)),
                    FormField::new("start", "First round", "date", v)
                        .required()
                        .hint("YYYY-MM-DD"),
                    FormField::new("until", "Last date", "date", v).hint("Leave empty for no end."),
                    FormField::new("reminder_days", "Remind days before", "number", v)
                        .range("0", "366", "1")
                        .hint("Default 7."),
                ],
            ),
        ]
    }
    fn parse(
        v: &FormData,
        base: Option<&rampart_domain::Inspection>,
        _o: &Options,
    ) -> Result<rampart_domain::Inspection, Errors> {
        use rampart_domain::Recurrence;
        let mut p = Parse::new(v);
        let id = id_of(&mut p, base.map(|b| &b.id));
        let title = p.text("title", "what is inspected", 300);
        let site = p.id("site", "a site");
        let owner = p.opt_id("owner");
        let every = match p.raw("every").trim().parse::<u32>() {
            Ok(n) if (1..=366).contains(&n) => Some(n),
            _ => {
                p.fail("every", "Enter a whole number from 1 to 366.");
                None
            }
        };
        let unit = match p.raw("unit") {
            "days" => Some(Recurrence::Days as fn(u32) -> Recurrence),
            "weeks" => Some(Recurrence::Weeks as fn(u32) -> Recurrence),
            "months" => Some(Recurrence::Months as fn(u32) -> Recurrence),
            _ => {
                p.fail("unit", "Choose days, weeks or months.");
                None
            }
        };
        let start = p.opt_date("start");
        if start.is_none() && p.raw("start").is_empty() {
            p.fail("start", "Enter the date of the first round.");
        }
        let until = p.opt_date("until");
        if let (Some(s), Some(u)) = (start, until)
            && u < s
        {
            p.fail(
                "until",
                format!("The last date is before the first round ({s})."),
            );
        }
        let reminder_days = match p.raw("reminder_days").trim() {
            "" => Some(7),
            t => match t.parse::<u32>() {
                Ok(n) if n <= 366 => Some(n),
                _ => {
                    p.fail("reminder_days", "Enter a whole number from 0 to 366.");
                    None
                }
            },
        };
        p.done()?;
        let (Some(id), Some(site), Some(every), Some(unit), Some(start), Some(reminder_days)) =
            (id, site, every, unit, start, reminder_days)
        else {
            return Err(Errors::new());
        };
        Ok(rampart_domain::Inspection {
            id,
            site,
            title,
            every: unit(every),
            start,
            until,
            reminder_days,
            done_through: base.and_then(|b| b.done_through),
            framework: base.and_then(|b| b.framework.clone()),
            owner,
        })
    }
}
