//! What a machine's stacks rejected or ignored, counted per layer and kind
//! (SCENARIOS.md `diagnostics`), so nothing a stack threw away is silent.

use std::collections::BTreeMap;

/// Counts by (layer, what).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics {
    counts: BTreeMap<(&'static str, String), u64>,
}

impl Diagnostics {
    pub fn count(&mut self, layer: &'static str, what: impl Into<String>) {
        self.add(layer, what, 1);
    }

    pub fn add(&mut self, layer: &'static str, what: impl Into<String>, n: u64) {
        if n > 0 {
            *self.counts.entry((layer, what.into())).or_default() += n;
        }
    }

    /// (layer, what, count), ordered by layer then what.
    pub fn entries(&self) -> impl Iterator<Item = (&'static str, &str, u64)> + '_ {
        self.counts.iter().map(|((l, w), n)| (*l, w.as_str(), *n))
    }
}
