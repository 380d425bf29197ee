//! What a machine's stacks rejected or ignored, counted per layer and kind
//! (SCENARIOS.md `diagnostics`), so nothing a stack threw away is silent.

use std::collections::BTreeMap;

/// The layer a diagnostic is counted under. Declared in the alphabetical
/// order of `as_str`, so that ordering by layer is ordering by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Layer {
    Ike,
    Ip,
    Ipsec,
    L2tp,
    Ppp,
    Pptp,
    Ras,
    Registry,
    Tcp,
    Udp,
}

impl Layer {
    /// Every layer, in declaration order.
    pub const ALL: [Layer; 10] = [
        Layer::Ike,
        Layer::Ip,
        Layer::Ipsec,
        Layer::L2tp,
        Layer::Ppp,
        Layer::Pptp,
        Layer::Ras,
        Layer::Registry,
        Layer::Tcp,
        Layer::Udp,
    ];

    /// The layer's name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Ike => "ike",
            Layer::Ip => "ip",
            Layer::Ipsec => "ipsec",
            Layer::L2tp => "l2tp",
            Layer::Ppp => "ppp",
            Layer::Pptp => "pptp",
            Layer::Ras => "ras",
            Layer::Registry => "registry",
            Layer::Tcp => "tcp",
            Layer::Udp => "udp",
        }
    }
}

impl core::fmt::Display for Layer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Counts by (layer, what).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics {
    counts: BTreeMap<(Layer, String), u64>,
}

impl Diagnostics {
    pub fn count(&mut self, layer: Layer, what: impl Into<String>) {
        self.add(layer, what, 1);
    }

    pub fn add(&mut self, layer: Layer, what: impl Into<String>, n: u64) {
        if n > 0 {
            *self.counts.entry((layer, what.into())).or_default() += n;
        }
    }

    /// (layer, what, count), ordered by layer name then what.
    pub fn entries(&self) -> impl Iterator<Item = (&'static str, &str, u64)> + '_ {
        self.counts
            .iter()
            .map(|((l, w), n)| (l.as_str(), w.as_str(), *n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `entries` is ordered by the layer's enum order; reports need it
    /// ordered by the layer's name, as when layers were strings.
    /// A new layer fails to compile here until it is added to `ALL`.
    #[allow(dead_code)]
    fn every_layer_is_in_all(l: Layer) {
        match l {
            Layer::Ike
            | Layer::Ip
            | Layer::Ipsec
            | Layer::L2tp
            | Layer::Ppp
            | Layer::Pptp
            | Layer::Ras
            | Layer::Registry
            | Layer::Tcp
            | Layer::Udp => {}
        }
    }

    #[test]
    fn layers_are_declared_in_the_order_of_their_names() {
        let names = Layer::ALL.map(Layer::as_str);
        let mut sorted = names;
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        assert!(Layer::ALL.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn entries_are_ordered_by_layer_name_then_what() {
        let mut d = Diagnostics::default();
        d.count(Layer::Udp, "checksum wrong");
        d.add(Layer::Ppp, "malformed frame", 2);
        d.add(Layer::Pptp, "unexpected message", 0);
        d.count(Layer::Pptp, "unknown call");
        d.count(Layer::Ike, "no keys");
        d.count(Layer::Ike, "NAT keepalive");
        let got: Vec<_> = d.entries().collect();
        assert_eq!(
            got,
            [
                ("ike", "NAT keepalive", 1),
                ("ike", "no keys", 1),
                ("ppp", "malformed frame", 2),
                ("pptp", "unknown call", 1),
                ("udp", "checksum wrong", 1),
            ]
        );
    }
}
