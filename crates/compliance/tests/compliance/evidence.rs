//! Evidence names and content by property: whatever an uploader sends, the
//! display name is never a path, and the check never panics.

use proptest::prelude::*;
use rampart_compliance::evidence::{EvidencePolicy, check, safe_display_name};

/// Names built from the characters that make paths and tricks.
fn hostile_name() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("/".to_string()),
            Just("\\".to_string()),
            Just(".".to_string()),
            Just("..".to_string()),
            Just(" ".to_string()),
            Just("\u{0}".to_string()),
            Just("\n".to_string()),
            Just("\u{202E}".to_string()),
            Just("C:".to_string()),
            "[a-z]{1,4}",
            any::<char>().prop_map(String::from),
        ],
        0..24,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #[test]
    fn display_names_are_never_paths(name in prop_oneof![hostile_name(), any::<String>()]) {
        let safe = safe_display_name(&name);
        prop_assert!(!safe.is_empty());
        prop_assert!(!safe.contains('/'), "{safe:?}");
        prop_assert!(!safe.contains('\\'), "{safe:?}");
        prop_assert!(!safe.starts_with('.'), "{safe:?}");
        prop_assert!(!safe.contains(".."), "{safe:?}");
        prop_assert!(!safe.chars().any(char::is_control), "{safe:?}");
        prop_assert!(safe.chars().count() <= 120);
        // Reducing twice changes nothing.
        prop_assert_eq!(safe_display_name(&safe), safe.clone());
    }

    #[test]
    fn check_never_panics_and_names_safely(name in hostile_name(), bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        match check(&name, &bytes, &EvidencePolicy::new(48)) {
            Ok(m) => {
                prop_assert!(!m.display_name.contains('/'));
                prop_assert_eq!(m.size, bytes.len() as u64);
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}
