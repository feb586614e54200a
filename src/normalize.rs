//! How usernames and phone numbers are compared: every backend stores and
//! looks up these normalized forms, so they all behave the same.

/// Normalizes a username for lookups: surrounding white space and one leading
/// `@` removed, lowercased.
///
/// ```
/// assert_eq!(mtgo_storage::normalize_username(" @Alice_Bot "), "alice_bot");
/// ```
pub fn normalize_username(username: &str) -> String {
    let trimmed = username.trim();
    let trimmed = trimmed.strip_prefix('@').unwrap_or(trimmed);
    trimmed.to_lowercase()
}

/// Normalizes a phone number for lookups: only its ASCII digits are kept, so
/// `+`, spaces, dashes, dots and parentheses do not matter.
///
/// ```
/// assert_eq!(mtgo_storage::normalize_phone("+1 (555) 123-4567"), "15551234567");
/// ```
pub fn normalize_phone(phone: &str) -> String {
    phone.chars().filter(char::is_ascii_digit).collect()
}
