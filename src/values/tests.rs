use super::*;

#[test]
fn durations_parse_with_units_and_fractions() {
    assert_eq!(parse_duration("300s"), Ok(Duration::from_secs(300)));
    assert_eq!(parse_duration("15ms"), Ok(Duration::from_millis(15)));
    assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
    assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
    assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
    assert_eq!(parse_duration("250us"), Ok(Duration::from_micros(250)));
    assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
    assert_eq!(parse_duration(".5s"), Ok(Duration::from_millis(500)));
    assert_eq!(parse_duration("0.001ms"), Ok(Duration::from_micros(1)));
}

#[test]
fn durations_without_unit_or_malformed_are_rejected() {
    for s in [
        "300",
        "s",
        "",
        "1.2.3s",
        "-1s",
        "1x",
        "1 s s",
        "99999999999999999999999h",
        ".s",
    ] {
        assert!(parse_duration(s).is_err(), "{s}");
    }
}

#[test]
fn durations_format_back() {
    for s in ["0s", "300s", "15ms", "1.5s", "250us", "1.000001s"] {
        assert_eq!(format_duration(parse_duration(s).unwrap()), s);
    }
}

#[test]
fn dates_convert_to_unix_micros() {
    let d: Date = "2007-04-23T10:00:00Z".parse().unwrap();
    assert_eq!(d.unix_seconds(), 1_177_322_400);
    assert_eq!(d, Date::default());
    let d: Date = "1970-01-01T00:00:00.5Z".parse().unwrap();
    assert_eq!(d.unix_micros, 500_000);
    let d: Date = "2007-04-23T12:00:00+02:00".parse().unwrap();
    assert_eq!(d.unix_seconds(), 1_177_322_400);
    let d: Date = "2008-02-29T23:59:59Z".parse().unwrap();
    assert_eq!(d.to_string(), "2008-02-29T23:59:59Z");
    assert_eq!(
        "1969-12-31T23:59:59Z"
            .parse::<Date>()
            .unwrap()
            .unix_seconds(),
        -1
    );
}

#[test]
fn bad_dates_are_rejected() {
    for s in [
        "2007-02-29T00:00:00Z",
        "2007-04-23",
        "2007-13-01T00:00:00Z",
        "2007-04-23T10:00:00",
        "2007-04-23T25:00:00Z",
        "x",
        "2007-04-23T10:00:00+2:00",
    ] {
        assert!(s.parse::<Date>().is_err(), "{s}");
    }
}

#[test]
fn clock_offsets_are_signed_durations() {
    let o = |s: &str| s.parse::<ClockOffset>().map(|c| c.micros);
    assert_eq!(o("-2h"), Ok(-7_200_000_000));
    assert_eq!(o("+30m"), Ok(1_800_000_000));
    assert_eq!(o("1.5s"), Ok(1_500_000));
    assert_eq!(o("0s"), Ok(0));
    assert!(o("-").is_err());
    assert!(o("2").is_err());
    assert!(o("--2h").is_err());
    assert!(o("-876601h").unwrap_err().contains("100 years"));
    assert_eq!("-2h".parse::<ClockOffset>().unwrap().to_string(), "-7200s");
    let date = Date {
        unix_micros: 1_177_322_400_000_000,
    };
    let behind = "-2h".parse::<ClockOffset>().unwrap().apply(date);
    assert_eq!(behind.to_string(), "2007-04-23T08:00:00Z");
}
