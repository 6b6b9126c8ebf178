//! Camera optics: horizontal field of view, pixel density at a distance, and the furthest
//! distance at which a camera still reaches a pixel density.
//!
//! A rectilinear lens covers a scene width of `w / f` metres per metre of distance
//! (`2 tan(HFOV / 2)`), so at distance `d` its `N` horizontal pixels give
//! `PPM = N f / (w d)`. A panoramic lens (HFOV of 180 degrees or more) spreads its pixels over an
//! arc, `PPM = N / (HFOV_rad x d)`. Where the camera stands on the plan and what it sees is left
//! to [`crate::visibility`].

use thiserror::Error;

/// Why a set of optics cannot be used.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum OpticsError {
    #[error("{field} must be a positive number, got {value}")]
    NotPositive { field: &'static str, value: f64 },
    #[error("hfov_deg must be above 0 and at most 360, got {0}")]
    FieldOfView(f64),
    #[error("give either hfov_deg or both sensor_width_mm and focal_mm")]
    Underspecified,
}

/// The horizontal optics of a camera at one lens setting.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Optics {
    /// Horizontal resolution in pixels.
    pub resolution_h: f64,
    /// Horizontal field of view in degrees.
    pub hfov_deg: f64,
    /// Scene width in metres per metre of distance (`w/f` for a rectilinear lens, the HFOV in
    /// radians for a panoramic one).
    width_per_metre: f64,
}

fn positive(field: &'static str, value: f64) -> Result<f64, OpticsError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(OpticsError::NotPositive { field, value })
    }
}

impl Optics {
    /// A rectilinear camera from its sensor width and focal length (both in mm).
    pub fn from_sensor(
        sensor_width_mm: f64,
        focal_mm: f64,
        resolution_h: f64,
    ) -> Result<Optics, OpticsError> {
        let w = positive("sensor_width_mm", sensor_width_mm)?;
        let f = positive("focal_mm", focal_mm)?;
        let n = positive("resolution_h", resolution_h)?;
        let hfov_deg = (2.0 * (w / (2.0 * f)).atan()).to_degrees();
        Ok(Optics {
            resolution_h: n,
            hfov_deg,
            width_per_metre: w / f,
        })
    }

    /// A camera given by its horizontal field of view: rectilinear below 180 degrees,
    /// panoramic (fisheye, multi-sensor) from 180 degrees up to 360.
    pub fn from_hfov(hfov_deg: f64, resolution_h: f64) -> Result<Optics, OpticsError> {
        if !(hfov_deg.is_finite() && hfov_deg > 0.0 && hfov_deg <= 360.0) {
            return Err(OpticsError::FieldOfView(hfov_deg));
        }
        let n = positive("resolution_h", resolution_h)?;
        let rad = hfov_deg.to_radians();
        let width_per_metre = if hfov_deg >= 180.0 {
            rad
        } else {
            2.0 * (rad / 2.0).tan()
        };
        Ok(Optics {
            resolution_h: n,
            hfov_deg,
            width_per_metre,
        })
    }

    /// From whichever description a plan gives: `hfov_deg` wins when present.
    pub fn from_parts(
        sensor_width_mm: Option<f64>,
        focal_mm: Option<f64>,
        hfov_deg: Option<f64>,
        resolution_h: f64,
    ) -> Result<Optics, OpticsError> {
        match (hfov_deg, sensor_width_mm, focal_mm) {
            (Some(h), _, _) => Optics::from_hfov(h, resolution_h),
            (None, Some(w), Some(f)) => Optics::from_sensor(w, f, resolution_h),
            _ => Err(OpticsError::Underspecified),
        }
    }

    /// Whether the lens is panoramic (HFOV of 180 degrees or more).
    pub fn is_panoramic(&self) -> bool {
        self.hfov_deg >= 180.0
    }

    /// Pixel density in px/m on a target at `distance_m` metres.
    pub fn pixel_density(&self, distance_m: f64) -> f64 {
        self.resolution_h / (self.width_per_metre * distance_m)
    }

    /// The furthest distance (metres, along the line of sight) at which the camera still gives
    /// `ppm` pixels per metre.
    pub fn max_distance(&self, ppm: f64) -> f64 {
        self.resolution_h / (self.width_per_metre * ppm)
    }
}

/// The furthest distance on the floor plan (horizontal, from the point below the camera) at
/// which a target of height `target_height_m` is seen at a slant distance of at most
/// `slant_m` from a camera mounted at `mounting_height_m`. `None` when even the target right
/// below the camera is too far.
pub fn horizontal_reach(slant_m: f64, mounting_height_m: f64, target_height_m: f64) -> Option<f64> {
    let dz = mounting_height_m - target_height_m;
    let h2 = slant_m * slant_m - dz * dz;
    if h2 < 0.0 { None } else { Some(h2.sqrt()) }
}

/// Vertical field of view (degrees) of a rectilinear lens of horizontal field of view
/// `hfov_deg` on a sensor `height_per_width` times as tall as it is wide: both edges of the
/// image are at the same focal length, so `tan(VFOV / 2) = tan(HFOV / 2) x h / w`.
pub fn vertical_fov_deg(hfov_deg: f64, height_per_width: f64) -> f64 {
    (2.0 * ((hfov_deg.to_radians() / 2.0).tan() * height_per_width).atan()).to_degrees()
}

/// The band of horizontal distances from the point below the camera at which a target's head
/// (at `target_height_m`) lies inside the vertical field of view of a camera mounted at
/// `mounting_height_m`, tilted `tilt_deg` below horizontal with a vertical field of view of
/// `vfov_deg`: `(near, far)`, `far` infinite when the top edge of the image looks level with
/// or above the target plane. Nearer than `near` is the blind spot under the camera. `None`
/// when no target height is in view at all.
///
/// The head at horizontal distance `d` is seen at a depression angle `atan2(h - t, d)`; it is
/// in the image when that angle lies between `tilt - vfov / 2` and `tilt + vfov / 2`.
pub fn vertical_band(
    mounting_height_m: f64,
    target_height_m: f64,
    tilt_deg: f64,
    vfov_deg: f64,
) -> Option<(f64, f64)> {
    let dz = mounting_height_m - target_height_m;
    let lo = (tilt_deg - vfov_deg / 2.0).max(-90.0);
    let hi = (tilt_deg + vfov_deg / 2.0).min(90.0);
    // The distance at which the head is seen at depression `deg` (same sign as dz).
    let at = |deg: f64| dz / deg.to_radians().tan();
    let (near, far) = if dz > 0.0 {
        // Depression falls from 90 degrees below the camera towards 0 far away.
        if hi <= 0.0 {
            return None;
        }
        let near = if hi >= 90.0 { 0.0 } else { at(hi) };
        let far = if lo <= 0.0 { f64::INFINITY } else { at(lo) };
        (near, far)
    } else if dz < 0.0 {
        // The head is above the lens: elevation rises from 90 degrees towards 0.
        if lo >= 0.0 {
            return None;
        }
        let near = if lo <= -90.0 { 0.0 } else { at(lo) };
        let far = if hi >= 0.0 { f64::INFINITY } else { at(hi) };
        (near, far)
    } else if lo <= 0.0 && hi >= 0.0 {
        (0.0, f64::INFINITY)
    } else {
        return None;
    };
    (far > near).then_some((near.max(0.0), far))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_brief_example_4_8_mm_sensor_4_mm_lens_1920_px() {
        let o = Optics::from_sensor(4.8, 4.0, 1920.0).unwrap();
        assert!((o.hfov_deg - 61.927).abs() < 1e-3, "{}", o.hfov_deg);
        // PPM = 1600 / d.
        assert!((o.pixel_density(1.0) - 1600.0).abs() < 1e-9);
        for (ppm, d) in [(25.0, 64.0), (62.5, 25.6), (125.0, 12.8), (250.0, 6.4)] {
            assert!(
                (o.max_distance(ppm) - d).abs() < 1e-9,
                "{ppm} px/m -> {}",
                o.max_distance(ppm)
            );
        }
    }

    #[test]
    fn hfov_description_agrees_with_sensor_description() {
        let s = Optics::from_sensor(4.8, 4.0, 1920.0).unwrap();
        let h = Optics::from_hfov(s.hfov_deg, 1920.0).unwrap();
        for d in [1.0, 7.5, 40.0] {
            assert!((s.pixel_density(d) - h.pixel_density(d)).abs() < 1e-9);
        }
    }

    #[test]
    fn panoramic_density_spreads_pixels_over_the_arc() {
        let o = Optics::from_hfov(360.0, 2880.0).unwrap();
        assert!(o.is_panoramic());
        // 2880 px over 2 pi rad at 2 m: 2880 / (2 pi 2).
        let expected = 2880.0 / (2.0 * std::f64::consts::PI * 2.0);
        assert!((o.pixel_density(2.0) - expected).abs() < 1e-9);
    }

    #[test]
    fn zero_focal_length_and_bad_fields_of_view_are_refused() {
        assert_eq!(
            Optics::from_sensor(4.8, 0.0, 1920.0),
            Err(OpticsError::NotPositive {
                field: "focal_mm",
                value: 0.0
            })
        );
        assert!(Optics::from_hfov(0.0, 1920.0).is_err());
        assert!(Optics::from_hfov(361.0, 1920.0).is_err());
        assert!(Optics::from_hfov(f64::NAN, 1920.0).is_err());
        assert_eq!(
            Optics::from_parts(Some(4.8), None, None, 1920.0),
            Err(OpticsError::Underspecified)
        );
    }

    #[test]
    fn mounting_height_shortens_the_reach_on_the_floor() {
        // 3-4-5 triangle: camera 3 m above the target's head, 5 m slant.
        assert_eq!(horizontal_reach(5.0, 4.7, 1.7), Some(4.0));
        assert_eq!(horizontal_reach(2.0, 4.7, 1.7), None);
        assert_eq!(horizontal_reach(6.4, 1.7, 1.7), Some(6.4));
    }

    #[test]
    fn tilt_30_vfov_34_at_3_m_sees_a_band_worked_by_hand() {
        // Lens 3 m up, head 1.7 m: 1.3 m above the target plane. The image spans depressions
        // 30 - 17 = 13 to 30 + 17 = 47 degrees. tan 47 = 1.07237, tan 13 = 0.230868:
        // near = 1.3 / 1.07237 = 1.21227 m, far = 1.3 / 0.230868 = 5.63092 m.
        let (near, far) = vertical_band(3.0, 1.7, 30.0, 34.0).unwrap();
        assert!((near - 1.21227).abs() < 1e-4, "{near}");
        assert!((far - 5.63092).abs() < 1e-4, "{far}");
        // The top edge level with or above horizontal: no far limit.
        assert_eq!(
            vertical_band(3.0, 1.7, 10.0, 20.0).unwrap().1,
            f64::INFINITY
        );
        // Looking straight down with a wide lens: no blind spot.
        assert_eq!(vertical_band(3.0, 1.7, 80.0, 40.0).unwrap().0, 0.0);
        // Pointing up: no head is in view. At target height: level view sees everything.
        assert_eq!(vertical_band(3.0, 1.7, -30.0, 20.0), None);
        assert_eq!(
            vertical_band(1.7, 1.7, 5.0, 20.0),
            Some((0.0, f64::INFINITY))
        );
        assert_eq!(vertical_band(1.7, 1.7, 15.0, 20.0), None);
        // Lens below the head (1 m, head 1.7 m), tilted up 20 degrees with a 20 degree view:
        // elevations 10..30 degrees: 0.7 / tan 30 = 1.21244 to 0.7 / tan 10 = 3.96990.
        let (n, f) = vertical_band(1.0, 1.7, -20.0, 20.0).unwrap();
        assert!(
            (n - 1.21244).abs() < 1e-4 && (f - 3.96990).abs() < 1e-4,
            "{n} {f}"
        );
    }

    #[test]
    fn vertical_field_of_view_of_a_16_by_9_sensor() {
        // 4.8 mm wide, 2.7 mm tall, 4 mm lens: VFOV = 2 atan(2.7 / 8) = 37.30 degrees.
        let o = Optics::from_sensor(4.8, 4.0, 1920.0).unwrap();
        let v = vertical_fov_deg(o.hfov_deg, 9.0 / 16.0);
        assert!((v - 37.2991).abs() < 1e-3, "{v}");
    }
}
