use super::*;
use serde_json::json;

fn ini(text: &str) -> Inventory {
    Inventory::from_ini_str(text, Path::new("hosts.ini")).unwrap_or_else(|e| panic!("{e}"))
}

const SAMPLE: &str = "
solo ansible_host=10.0.0.9
[web]
web[01:03] http_port=80
[db]
db-[a:b] ansible_port=5432
web01
[prod:children]
web
db
[prod:vars]
env=production
[web:vars]
env=webonly
tier=front
";

#[test]
fn ini_groups_ranges_and_ungrouped() {
    let inv = ini(SAMPLE);
    assert_eq!(
        inv.host_names(),
        ["solo", "web01", "web02", "web03", "db-a", "db-b"]
    );
    assert_eq!(inv.select("web").unwrap(), ["web01", "web02", "web03"]);
    assert_eq!(inv.select("ungrouped").unwrap(), ["solo"]);
    assert_eq!(
        inv.select("prod").unwrap(),
        ["web01", "web02", "web03", "db-a", "db-b"]
    );
    assert_eq!(inv.group_names("web01"), ["db", "prod", "web"]);
}

#[test]
fn host_line_and_vars_section_values_are_python_literals() {
    let inv = ini("h a=1 b=True c='x y' d=[1,2] e=0644\n[all:vars]\nn=5\n");
    let v = inv.host_vars("h");
    assert_eq!(v["a"], json!(1));
    assert_eq!(v["b"], json!(true));
    assert_eq!(v["c"], json!("x y"));
    assert_eq!(v["d"], json!([1, 2]));
    assert_eq!(v["e"], json!("0644"));
    assert_eq!(
        v["n"],
        json!(5),
        "[all:vars] values are typed too, as ansible-core does"
    );
}

#[test]
fn child_group_vars_beat_parent_and_host_beats_group() {
    let inv = ini(SAMPLE);
    let v = inv.host_vars("web02");
    assert_eq!(v["env"], json!("webonly"));
    assert_eq!(v["tier"], json!("front"));
    assert_eq!(v["http_port"], json!(80));
    assert_eq!(inv.host_vars("db-a")["env"], json!("production"));
    assert_eq!(inv.host_vars("db-a")["ansible_port"], json!(5432));
}

#[test]
fn patterns() {
    let inv = ini(SAMPLE);
    let s = |p: &str| inv.select(p).unwrap_or_else(|e| panic!("{p}: {e}"));
    assert_eq!(s("all").len(), 6);
    assert_eq!(s("*").len(), 6);
    assert_eq!(s("web:db"), ["web01", "web02", "web03", "db-a", "db-b"]);
    assert_eq!(s("web,db-a"), ["web01", "web02", "web03", "db-a"]);
    assert_eq!(s("prod:!db"), ["web02", "web03"]);
    assert_eq!(s("web:&db"), ["web01"]);
    assert_eq!(s("web0*"), ["web01", "web02", "web03"]);
    assert_eq!(s("~db-[ab]"), ["db-a", "db-b"]);
    assert_eq!(s("web[0]"), ["web01"]);
    assert_eq!(s("web[1:2]"), ["web02", "web03"]);
    assert_eq!(s("web[-1]"), ["web03"]);
    assert_eq!(s("nothing"), Vec::<String>::new());
    assert_eq!(s("solo"), ["solo"]);
}

#[test]
fn yaml_inventory() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hosts.yml");
    std::fs::write(
        &file,
        "all:\n  vars:\n    x: 1\n  hosts:\n    lone:\n  children:\n    web:\n      hosts:\n        w[1:2]:\n          port: 8080\n      vars:\n        x: 2\n      children:\n        edge:\n          hosts:\n            e1:\n",
    )
    .unwrap();
    let inv = Inventory::load(&[file]).unwrap();
    assert_eq!(inv.host_names(), ["lone", "w1", "w2", "e1"]);
    assert_eq!(inv.select("web").unwrap(), ["w1", "w2", "e1"]);
    assert_eq!(inv.host_vars("w1")["port"], json!(8080));
    assert_eq!(inv.host_vars("w1")["x"], json!(2));
    assert_eq!(inv.host_vars("lone")["x"], json!(1));
    assert_eq!(inv.select("ungrouped").unwrap(), ["lone"]);
}

#[test]
fn group_vars_and_host_vars_dirs_with_precedence() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(
        p.join("hosts"),
        "[web]\nw1 from_host_line=inv\n[web:vars]\na=inventory\n",
    )
    .unwrap();
    std::fs::create_dir_all(p.join("group_vars/web")).unwrap();
    std::fs::create_dir_all(p.join("host_vars")).unwrap();
    std::fs::write(
        p.join("group_vars/all.yml"),
        "a: all_file\nb: all_file\nc: all_file\n",
    )
    .unwrap();
    std::fs::write(p.join("group_vars/web/10.yml"), "b: web_file\n").unwrap();
    std::fs::write(
        p.join("host_vars/w1.yaml"),
        "c: host_file\nfrom_host_line: host_file\n",
    )
    .unwrap();
    let play = p.join("play");
    std::fs::create_dir_all(play.join("group_vars")).unwrap();
    std::fs::write(play.join("group_vars/web.yml"), "b: play_web\n").unwrap();
    let mut inv = Inventory::load(&[p.join("hosts")]).unwrap();
    inv.add_vars_dirs(&play).unwrap();
    let v = inv.host_vars("w1");
    assert_eq!(
        v["a"],
        json!("all_file"),
        "group_vars/all beats inventory-file group vars"
    );
    assert_eq!(
        v["b"],
        json!("play_web"),
        "playbook group_vars beat inventory group_vars"
    );
    assert_eq!(v["c"], json!("host_file"));
    assert_eq!(v["from_host_line"], json!("host_file"));
}

#[test]
fn errors_name_file_and_line() {
    let e = Inventory::from_ini_str("[web]\nw1 novalue\n", Path::new("hosts.ini"))
        .map(|_| ())
        .unwrap_err();
    assert!(e.to_string().starts_with("hosts.ini:2:"), "{e}");
    let e = Inventory::from_ini_str("[web\n", Path::new("hosts.ini"))
        .map(|_| ())
        .unwrap_err();
    assert!(e.to_string().starts_with("hosts.ini:1:"), "{e}");
    let e = Inventory::from_ini_str("[a:children]\nb\n[b:children]\na\n", Path::new("h"))
        .map(|_| ())
        .unwrap_err();
    assert!(e.to_string().contains("cycle"), "{e}");
}

#[test]
fn list_json_and_graph() {
    let inv = ini(SAMPLE);
    let doc = inv.to_list_json();
    assert_eq!(doc["web"]["hosts"], json!(["web01", "web02", "web03"]));
    assert_eq!(doc["prod"]["children"], json!(["web", "db"]));
    assert_eq!(doc["ungrouped"]["hosts"], json!(["solo"]));
    assert_eq!(doc["_meta"]["hostvars"]["web01"]["tier"], json!("front"));
    let graph = inv.graph(None).unwrap();
    assert!(graph.starts_with("@all:\n"), "{graph}");
    assert!(
        graph.contains("  |--@prod:\n  |  |--@web:\n  |  |  |--web01\n"),
        "{graph}"
    );
}
