//! Security devices on site.

use rampart_domain as d;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Date, Id, search, text};

/// A piece of security equipment at a site: a camera, a reader, a lock, a
/// sensor, a panel.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceBody {
    /// The device's id, often its label on site (`hq-cam-01`).
    pub id: Id,
    /// The site it is installed at.
    pub site: Id,
    /// The zone it is in (or covers), on the same site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<Id>,
    /// What kind of device it is.
    pub kind: DeviceKind,
    /// A name, where the id is not enough ("Reception door reader").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Manufacturer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub make: Option<String>,
    /// Model number, for firmware advisories and end-of-life tracking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Serial number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// Where it sits on the floor plan (and, for a camera, where it faces).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<PlanPosition>,
    /// When it was installed, for maintenance and replacement planning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_date: Option<Date>,
    /// Whether it is working.
    pub status: DeviceStatus,
}

/// The kind of security device.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    Camera,
    CardReader,
    Lock,
    DoorContact,
    MotionSensor,
    GlassBreak,
    AlarmPanel,
    Nvr,
    Vms,
    Intercom,
    Turnstile,
    Barrier,
    DuressButton,
    FenceSensor,
}

/// Whether a device is working: `degraded` still works but not to
/// specification (a blurred camera, a sticking lock); `out_of_service`
/// does not work.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeviceStatus {
    Planned,
    Operational,
    Degraded,
    OutOfService,
    Decommissioned,
}

/// A position on a floor plan, in metres from the plan's origin.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanPosition {
    /// The floor plan the position is on, by its camera-plan name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// Metres along the plan's x axis.
    pub x: f64,
    /// Metres along the plan's y axis.
    pub y: f64,
    /// The direction it faces, degrees counter-clockwise from +x (cameras).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heading_deg: Option<f64>,
}

mirrored!(Devices, d::Device, DeviceBody, "devices", "device",
    filters: &[
        text("zone", "zone", "Only devices in this zone."),
        text("kind", "kind", "Only devices of this kind (`camera`, `card_reader`...)."),
        text("status", "status", "Only devices in this status (`degraded`, `out_of_service`...)."),
        search("q", "name", "Devices whose name contains this text (any case)."),
    ],
    sorts: &["name", "kind", "status", "install_date"]);
