use super::*;

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
