//! Euro amounts as the pages show them, from integer cents.

/// `€3,612`: whole euros with thousands separators (the quote's headline figures).
pub(crate) fn euros_grouped(cents: u64) -> String {
    let digits = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("€{grouped}")
}

/// `€3612.00`: euros and cents (what an order costs and what was paid).
pub(crate) fn euros_and_cents(cents: u64) -> String {
    format!("€{}.{:02}", cents / 100, cents % 100)
}

/// `€7224`: whole euros (report totals).
pub(crate) fn whole_euros(cents: u64) -> String {
    format!("€{}", cents / 100)
}
