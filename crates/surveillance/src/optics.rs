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
}
