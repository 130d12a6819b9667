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

/// `levels` levels of `width` groups, each group a child of every group of the level above, one
/// host per bottom group: width^levels paths from the top, width²·levels edges.
fn layered(levels: usize, width: usize) -> String {
    let mut text = String::new();
    for level in 0..levels - 1 {
        for parent in 0..width {
            text.push_str(&format!("[g{level}_{parent}:children]\n"));
            for child in 0..width {
                text.push_str(&format!("g{}_{child}\n", level + 1));
            }
            text.push_str(&format!("[g{level}_{parent}:vars]\nlevel={level}\n"));
        }
    }
    for child in 0..width {
        text.push_str(&format!("[g{}_{child}]\nh{child}\n", levels - 1));
    }
    text
}

// The shapes of issue 12 that took 9 s to minutes: no timing asserted, a regression shows as a hang.
#[test]
fn nested_multi_parent_groups_load_in_linear_time() {
    let inv = ini(&layered(8, 8));
    assert_eq!(inv.group_names("h3").len(), 8 * 7 + 1);
    assert_eq!(
        inv.host_vars("h3")["level"],
        json!(6),
        "the deepest parent wins"
    );
    assert_eq!(inv.select("g0_0").unwrap().len(), 8);
    assert!(inv.graph(Some("g5_0")).is_some());

    let mut diamond = String::new();
    for level in 0..30 {
        for side in ["a", "b"] {
            diamond.push_str(&format!(
                "[d{level}{side}:children]\nd{0}a\nd{0}b\n",
                level + 1
            ));
        }
    }
    diamond.push_str("[d30a]\nx\n[d30b]\ny\n");
    let inv = ini(&diamond);
    assert_eq!(inv.group_names("x").len(), 61);
    assert_eq!(inv.select("d0a").unwrap(), ["x", "y"]);

    let mut chain = String::new();
    for i in 0..3000 {
        chain.push_str(&format!("[c{i}:children]\nc{}\n", i + 1));
        chain.push_str(&format!("[c{i}:vars]\ndepth={i}\n"));
        if i % 100 == 0 {
            chain.push_str(&format!("[c{i}]\nh{i}\n"));
        }
    }
    chain.push_str("[c3000]\nleaf\n");
    let inv = ini(&chain);
    assert_eq!(inv.host_vars("leaf")["depth"], json!(2999));
    assert_eq!(inv.host_vars("h100")["depth"], json!(100));
    assert_eq!(inv.select("c0").unwrap().len(), 31);
    assert_eq!(inv.to_list_json()["c2999"]["children"], json!(["c3000"]));
    assert!(inv.graph(None).is_some_and(|g| g.lines().count() > 3000));
}

// Checked against ansible-inventory --host h1 (ansible-core 2.19): depth first (the longest path
// from `all`, so `leaf` under both `top` and `mid` is deeper than `mid`), then priority, then name.
#[test]
fn group_precedence_is_depth_then_priority_then_name() {
    let inv = ini(
        "[top:children]\nmid\nleaf\n[mid:children]\nleaf\n[leaf]\nh1\n[other]\nh1\n\
         [zeta]\nh1\n[prio]\nh1\n[top:vars]\nv=top\nw=top\n[mid:vars]\nv=mid\n[leaf:vars]\nv=leaf\n\
         [other:vars]\nw=other\no=other\n[zeta:vars]\no=zeta\nz=zeta\n\
         [prio:vars]\nansible_group_priority=0\nz=prio\np=prio\n[all:vars]\np=all\n",
    );
    let v = inv.host_vars("h1");
    assert_eq!(
        Value::Object(v),
        json!({"p": "prio", "v": "leaf", "w": "top", "o": "zeta", "z": "zeta"})
    );
    assert_eq!(
        inv.group_names("h1"),
        ["leaf", "mid", "other", "prio", "top", "zeta"]
    );
}

#[test]
fn group_cycles_are_errors_naming_the_groups() {
    let e = Inventory::from_ini_str(
        "[a:children]\nb\n[b:children]\nc\n[c:children]\na\n[a]\nx\n",
        Path::new("h"),
    )
    .map(|_| ())
    .unwrap_err()
    .to_string();
    assert!(e.contains("a -> b -> c -> a"), "{e}");
    let e = Inventory::from_yaml_str(
        "all:\n  children:\n    p:\n      children:\n        p:\n",
        Path::new("h.yml"),
    )
    .map(|_| ())
    .unwrap_err()
    .to_string();
    assert!(e.contains("p -> p"), "{e}");
}

#[test]
fn ungrouped_holds_only_hosts_in_no_other_group() {
    let inv = ini("a\nb\n[ungrouped]\nc\n[web]\nb\n");
    assert_eq!(inv.select("ungrouped").unwrap(), ["a", "c"]);
    assert_eq!(
        inv.to_list_json()["all"]["children"],
        json!(["ungrouped", "web"])
    );
}

#[test]
fn yaml_errors_name_the_line() {
    let e = Inventory::from_yaml_str("all:\n  hosts:\n    ok:\n    bad[1:\n", Path::new("h.yml"))
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("h.yml:4:"), "{e}");
}

#[test]
fn streamed_list_equals_the_list_document() {
    for inv in [ini(SAMPLE), ini("[web]\nw1\n"), ini("")] {
        let mut streamed = Vec::new();
        inv.write_list_json(&mut streamed).unwrap();
        let whole = ansible_json(&inv.to_list_json());
        assert_eq!(String::from_utf8(streamed).unwrap(), format!("{whole}\n"));
    }
}
