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
fn subnets_contain_their_addresses() {
    let s: Subnet = "192.168.1.0/24".parse().unwrap();
    assert!(s.contains("192.168.1.10".parse().unwrap()));
    assert!(!s.contains("192.168.2.10".parse().unwrap()));
    assert_eq!(s.broadcast(), Ipv4Addr::new(192, 168, 1, 255));
    let all: Subnet = "0.0.0.0/0".parse().unwrap();
    assert!(all.contains(Ipv4Addr::new(8, 8, 8, 8)));
    assert!("1.2.3.4/33".parse::<Subnet>().is_err());
    assert!("1.2.3.4".parse::<Subnet>().is_err());
}

#[test]
fn pools_need_ordered_ends() {
    let p: AddressPool = "10.10.0.100-10.10.0.150".parse().unwrap();
    assert_eq!(p.len(), 51);
    assert!("10.10.0.150-10.10.0.100".parse::<AddressPool>().is_err());
    assert!("10.10.0.150".parse::<AddressPool>().is_err());
}

#[test]
fn counts_parse_numbers_and_comparisons() {
    let c: Count = ">= 2".parse().unwrap();
    assert!(c.holds(2) && c.holds(3) && !c.holds(1));
    let c: Count = "< 3".parse().unwrap();
    assert!(c.holds(2) && !c.holds(3));
    let c: Count = "== 0".parse().unwrap();
    assert!(c.holds(0) && !c.holds(1));
    let c: Count = "4".parse().unwrap();
    assert_eq!(
        c,
        Count {
            op: CmpOp::Eq,
            value: 4
        }
    );
    assert_eq!(">2".parse::<Count>().unwrap().to_string(), "> 2");
    assert!("about 3".parse::<Count>().is_err());
    assert!(">= -1".parse::<Count>().is_err());
}
