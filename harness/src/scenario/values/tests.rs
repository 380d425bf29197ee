use super::*;

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
