//! Deterministic UUIDs for exported OSCAL documents.
//!
//! OSCAL wants every object to carry a UUID, and Rampart wants the same audit
//! to export to the same bytes. So UUIDs are not random: each is the first 16
//! bytes of SHA-256 over a domain tag, a kind (`"observation"`, `"finding"`,
//! ...) and the stable ids of what it names, each part length-prefixed so that
//! `("ab", "c")` and `("a", "bc")` differ. The version nibble is then set to 4
//! and the variant bits to RFC 4122's `10`: the result is a well-formed
//! version-4 ("pseudorandom") UUID, which the OSCAL schemas accept. We do not
//! claim version 5, which is defined over SHA-1 and a namespace UUID.

use sha2::{Digest, Sha256};

/// Domain separation: a UUID from this crate cannot collide with a hash of
/// the same strings made for another purpose.
const DOMAIN: &[u8] = b"rampart-compliance/uuid/v1";

/// A deterministic RFC 4122 version-4-format UUID for `kind` and `parts`.
pub fn derive(kind: &str, parts: &[&str]) -> String {
    let mut h = Sha256::new();
    h.update(DOMAIN);
    for p in std::iter::once(&kind).chain(parts) {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p.as_bytes());
    }
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &x[0..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_well_formed_and_separated() {
        let a = derive("finding", &["audit-1", "PER-01"]);
        assert_eq!(a, derive("finding", &["audit-1", "PER-01"]));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"));
        assert_ne!(a, derive("finding", &["audit-1P", "ER-01"]));
        assert_ne!(a, derive("observation", &["audit-1", "PER-01"]));
    }
}
