use super::*;

fn keys(n: &Node) -> Vec<&str> {
    match &n.value {
        Value::Map(e) => e.iter().map(|e| e.key.as_str()).collect(),
        _ => vec![],
    }
}

#[test]
fn parse_records_line_and_column_of_values_and_keys() {
    let n = parse("a: 1\nb:\n  c: [x, y]\n", 3).unwrap();
    let c = n.at(&Path::root().key("b").key("c")).unwrap();
    assert_eq!((c.loc.file, c.loc.line, c.loc.column), (3, 3, 6));
    let y = n.at(&Path::root().key("b").key("c").index(1)).unwrap();
    assert_eq!((y.loc.line, y.loc.column), (3, 10));
    let kl = n.locate_key(&Path::root().key("b").key("c"));
    assert_eq!((kl.line, kl.column), (3, 3));
}

#[test]
fn parse_rejects_duplicate_keys_with_position() {
    let e = parse("a: 1\na: 2\n", 0).unwrap_err();
    assert!(e.message.contains("duplicate"), "{e:?}");
    assert_eq!(e.line, 2);
}

#[test]
fn parse_reports_syntax_error_position() {
    let e = parse("a: [1, 2\nb: 3\n", 0).unwrap_err();
    assert!(e.line >= 1, "{e:?}");
    assert!(!e.message.contains(" at line "), "{e:?}");
}

#[test]
fn merge_maps_recursively_and_lists_replace() {
    let base = parse("a: {x: 1, y: 2}\nl: [1, 2, 3]\nk: base\n", 0).unwrap();
    let over = parse("a: {y: 20, z: 30}\nl: [9]\n", 1).unwrap();
    let m = merge(base, over);
    assert_eq!(keys(&m), ["a", "l", "k"]);
    let a = m.get("a").unwrap();
    assert_eq!(keys(a), ["x", "y", "z"]);
    assert_eq!(a.get("x").unwrap().loc.file, 0);
    assert_eq!(a.get("y").unwrap().value, Value::UInt(20));
    assert_eq!(a.get("y").unwrap().loc.file, 1);
    match &m.get("l").unwrap().value {
        Value::Seq(items) => assert_eq!(items.len(), 1),
        v => panic!("{v:?}"),
    }
}

#[test]
fn merge_null_removes_base_value() {
    let base = parse("dial: {at: 1s}\nseed: 1\n", 0).unwrap();
    let over = parse("dial: ~\n", 1).unwrap();
    let m = merge(base, over);
    assert!(m.get("dial").is_none());
    assert_eq!(keys(&m), ["seed"]);
}

#[test]
fn merge_null_removes_a_named_entry_at_any_depth() {
    let base = parse(
        "hosts:\n  gw: {role: router}\n  pc: {interfaces: {lan: 1, wan: 2}}\n",
        0,
    )
    .unwrap();
    let over = parse("hosts:\n  gw: null\n  pc: {interfaces: {wan: ~}}\n", 1).unwrap();
    let m = merge(base, over);
    let hosts = m.get("hosts").unwrap();
    assert_eq!(keys(hosts), ["pc"]);
    assert_eq!(
        keys(hosts.get("pc").unwrap().get("interfaces").unwrap()),
        ["lan"]
    );
}

#[test]
fn merge_keeps_a_null_with_nothing_under_it() {
    let base = parse("hosts: {pc: {role: router}}\n", 0).unwrap();
    let over = parse("hosts: {gw: null}\n", 1).unwrap();
    let m = merge(base, over);
    let gw = m.get("hosts").unwrap().get("gw").unwrap();
    assert_eq!((gw.value.clone(), gw.loc.file), (Value::Null, 1));
}

#[test]
fn locate_falls_back_to_deepest_existing_node() {
    let n = parse("hosts:\n  a: {role: nat}\n", 0).unwrap();
    let l = n.locate(&Path::root().key("hosts").key("a").key("dial").key("at"));
    assert_eq!((l.line, l.column), (2, 6));
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct T {
    a: u16,
    #[serde(default)]
    b: Vec<String>,
}

#[test]
fn typed_errors_carry_the_failing_node_position() {
    let n = parse("a: 1\nb: [x, 7]\n", 0).unwrap();
    let e = from_node::<T>(&n).unwrap_err();
    assert_eq!(e.loc.map(|l| (l.line, l.column)), Some((2, 8)), "{e:?}");
    let n = parse("a: 1\nzz: 2\n", 0).unwrap();
    let e = from_node::<T>(&n).unwrap_err();
    assert!(e.message.contains("unknown field 'zz'"), "{e:?}");
    assert!(e.message.contains("a, b"), "{e:?}");
    assert_eq!(e.loc.map(|l| (l.line, l.column)), Some((2, 1)));
    let n = parse("a: 70000\n", 0).unwrap();
    let e = from_node::<T>(&n).unwrap_err();
    assert_eq!(e.loc.map(|l| (l.line, l.column)), Some((1, 4)), "{e:?}");
    let n = parse("b: []\n", 0).unwrap();
    let e = from_node::<T>(&n).unwrap_err();
    assert!(e.message.contains("missing field 'a'"), "{e:?}");
    let n = parse("[1, 2]\n", 0).unwrap();
    assert!(from_node::<T>(&n).is_err());
}
