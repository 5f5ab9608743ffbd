//! How fast the active scenario advances: [`Pace`], and the ladder `+`/`-`
//! climb.

/// How fast the active scenario advances.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pace {
    /// Epochs per second.
    PerSecond(f64),
    /// As fast as the core allows.
    Max,
}

impl Pace {
    /// The paces `+` and `-` step through (epochs per second), then `max`.
    pub const LADDER: &[f64] = &[
        0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4,
        1e5, 2e5, 5e5, 1e6,
    ];

    /// About ten seconds for the whole scenario, on the ladder.
    pub fn default_for(epochs: u64) -> Pace {
        let want = epochs as f64 / 10.0;
        let best = Self::LADDER
            .iter()
            .copied()
            .min_by(|a, b| {
                let da = (a.ln() - want.ln()).abs();
                let db = (b.ln() - want.ln()).abs();
                da.total_cmp(&db)
            })
            .unwrap_or(10.0);
        Pace::PerSecond(best)
    }

    /// One rung faster (`max` above the top).
    pub fn faster(self) -> Pace {
        match self {
            Pace::Max => Pace::Max,
            Pace::PerSecond(p) => Self::LADDER
                .iter()
                .copied()
                .find(|&l| l > p * 1.000_001)
                .map_or(Pace::Max, Pace::PerSecond),
        }
    }

    /// One rung slower (the bottom rung stays).
    pub fn slower(self) -> Pace {
        match self {
            Pace::Max => Pace::PerSecond(Self::LADDER[Self::LADDER.len() - 1]),
            Pace::PerSecond(p) => Pace::PerSecond(
                Self::LADDER
                    .iter()
                    .copied()
                    .rev()
                    .find(|&l| l < p / 1.000_001)
                    .unwrap_or(Self::LADDER[0]),
            ),
        }
    }

    /// For the header: `10 ep/s`, `2k ep/s`, `max`.
    pub fn label(self) -> String {
        match self {
            Pace::Max => "max".into(),
            Pace::PerSecond(p) if p >= 1e6 => format!("{}M ep/s", p / 1e6),
            Pace::PerSecond(p) if p >= 1e3 => format!("{}k ep/s", p / 1e3),
            Pace::PerSecond(p) => format!("{p} ep/s"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ladder_moves_one_rung() {
        assert_eq!(Pace::PerSecond(10.0).faster(), Pace::PerSecond(20.0));
        assert_eq!(Pace::PerSecond(10.0).slower(), Pace::PerSecond(5.0));
        assert_eq!(Pace::PerSecond(1e6).faster(), Pace::Max);
        assert_eq!(Pace::Max.faster(), Pace::Max);
        assert_eq!(Pace::Max.slower(), Pace::PerSecond(1e6));
        assert_eq!(Pace::PerSecond(0.5).slower(), Pace::PerSecond(0.5));
        // Off-ladder paces snap to the next rung.
        assert_eq!(Pace::PerSecond(7.0).faster(), Pace::PerSecond(10.0));
        assert_eq!(Pace::PerSecond(7.0).slower(), Pace::PerSecond(5.0));
    }

    #[test]
    fn default_pace_is_about_ten_seconds() {
        assert_eq!(Pace::default_for(50), Pace::PerSecond(5.0));
        assert_eq!(Pace::default_for(100), Pace::PerSecond(10.0));
        assert_eq!(Pace::default_for(1000), Pace::PerSecond(100.0));
        assert_eq!(Pace::default_for(5000), Pace::PerSecond(500.0));
        assert_eq!(Pace::default_for(1), Pace::PerSecond(0.5));
    }

    #[test]
    fn labels() {
        assert_eq!(Pace::PerSecond(10.0).label(), "10 ep/s");
        assert_eq!(Pace::PerSecond(0.5).label(), "0.5 ep/s");
        assert_eq!(Pace::PerSecond(2000.0).label(), "2k ep/s");
        assert_eq!(Pace::PerSecond(1e6).label(), "1M ep/s");
        assert_eq!(Pace::Max.label(), "max");
    }
}
