//! The wall clock of the simulated machines: the scenario's `date` plus
//! the simulated time, printed the ways the logs print it.

use crate::scenario::values::civil_from_days;

/// Unix microseconds at simulated time 0.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    pub epoch_unix_micros: i64,
}

/// (year, month, day, hour, minute, second, millisecond) at `t_us`.
fn civil(clock: &Clock, t_us: u64) -> (i64, i64, i64, i64, i64, i64, i64) {
    let us = clock
        .epoch_unix_micros
        .saturating_add(i64::try_from(t_us).unwrap_or(i64::MAX / 2));
    let secs = us.div_euclid(1_000_000);
    let ms = us.rem_euclid(1_000_000) / 1000;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let day = secs.rem_euclid(86_400);
    (y, m, d, day / 3600, day % 3600 / 60, day % 60, ms)
}

/// oakley.log's `M-DD: HH:MM:SS:mmm` [MODEL].
pub fn oakley_stamp(clock: &Clock, t_us: u64) -> String {
    let (_, m, d, h, mi, s, ms) = civil(clock, t_us);
    format!("{m}-{d:02}: {h:02}:{mi:02}:{s:02}:{ms:03}")
}

/// RAS tracing's `HH:MM:SS:mmm` (KB Q170278 shows `[158] 10:23:03:071:`).
pub fn tracing_stamp(clock: &Clock, t_us: u64) -> String {
    let (_, _, _, h, mi, s, ms) = civil(clock, t_us);
    format!("{h:02}:{mi:02}:{s:02}:{ms:03}")
}

/// PPP.LOG's `MM/DD/YYYY HH:MM:SS:mmm` of a packet block (KB Q256509).
pub fn packet_stamp(clock: &Clock, t_us: u64) -> String {
    let (y, m, d, h, mi, s, ms) = civil(clock, t_us);
    format!("{m:02}/{d:02}/{y} {h:02}:{mi:02}:{s:02}:{ms:03}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_scenario_date_prints_as_the_logs_do() {
        // 2007-04-23T10:00:00Z, the scenarios' default date.
        let c = Clock {
            epoch_unix_micros: 1_177_322_400_000_000,
        };
        assert_eq!(oakley_stamp(&c, 1_500_250), "4-23: 10:00:01:500");
        assert_eq!(tracing_stamp(&c, 61_000_000), "10:01:01:000");
        assert_eq!(packet_stamp(&c, 0), "04/23/2007 10:00:00:000");
    }
}
