//! IN-1: SQL text is never assembled from runtime strings, and no OS command is run.
//!
//! sqlx 0.9 already refuses any query string that is not `&'static str` at compile time. This
//! check closes the ways around that: the `AssertSqlSafe` escape hatch, `QueryBuilder`,
//! `raw_sql`, leaking a formatted `String` into a `&'static str`, and SQL built with `format!`,
//! `+` or `push_str`. Outside tests, spawning an OS process (`std::process::Command`,
//! `tokio::process::Command`) is refused too, so no command line can ever be built from input.
//! It parses every Rust file of the workspace and fails naming each place.

use std::fs;
use std::path::{Path, PathBuf};

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;

/// Files allowed to use `AssertSqlSafe`, with the reason. Keep this list short.
const ALLOWED_DYNAMIC_SQL: &[(&str, &str)] = &[(
    "crates/helio-store/src/testing.rs",
    "creates and drops per-test databases whose names are generated hex, never input",
)];

const FORBIDDEN_IDENTS: &[&str] = &["AssertSqlSafe", "QueryBuilder", "raw_sql"];
const FORMATTING_MACROS: &[&str] = &["format", "format_args", "concat", "write", "writeln"];
const SQL_MARKERS: &[&str] = &[
    "SELECT ",
    "INSERT INTO",
    "DELETE FROM",
    " WHERE ",
    "CREATE TABLE",
    "CREATE DATABASE",
    "DROP ",
    "ALTER TABLE",
    " SET ",
    "VALUES (",
    " ORDER BY",
    "UNION ",
];

#[derive(Debug)]
struct Violation {
    rule: &'static str,
    line: usize,
}

fn looks_like_sql(text: &str) -> bool {
    SQL_MARKERS.iter().any(|marker| text.contains(marker))
}

fn tokens_hold_sql(tokens: &TokenStream) -> bool {
    tokens.clone().into_iter().any(|tree| match tree {
        TokenTree::Literal(literal) => looks_like_sql(&literal.to_string()),
        TokenTree::Group(group) => tokens_hold_sql(&group.stream()),
        TokenTree::Ident(_) | TokenTree::Punct(_) => false,
    })
}

fn expr_is_sql_literal(expr: &syn::Expr) -> bool {
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => looks_like_sql(&s.value()),
        syn::Expr::Macro(m) => tokens_hold_sql(&m.mac.tokens),
        syn::Expr::Reference(r) => expr_is_sql_literal(&r.expr),
        syn::Expr::MethodCall(m) => expr_is_sql_literal(&m.receiver),
        syn::Expr::Paren(p) => expr_is_sql_literal(&p.expr),
        syn::Expr::Binary(b) => expr_is_sql_literal(&b.left) || expr_is_sql_literal(&b.right),
        _ => false,
    }
}

struct Checker {
    allow_dynamic: bool,
    allow_processes: bool,
    found: Vec<Violation>,
}

fn use_paths(tree: &syn::UseTree, prefix: &str, out: &mut Vec<String>) {
    match tree {
        syn::UseTree::Path(p) => use_paths(&p.tree, &format!("{prefix}{}::", p.ident), out),
        syn::UseTree::Name(n) => out.push(format!("{prefix}{}", n.ident)),
        syn::UseTree::Rename(r) => out.push(format!("{prefix}{}", r.ident)),
        syn::UseTree::Glob(_) => out.push(format!("{prefix}*")),
        syn::UseTree::Group(g) => g.items.iter().for_each(|t| use_paths(t, prefix, out)),
    }
}

fn names_a_process(path: &str) -> bool {
    path.contains("process::Command") || path.ends_with("process::*")
}

impl Checker {
    fn flag(&mut self, rule: &'static str, span: proc_macro2::Span) {
        self.found.push(Violation {
            rule,
            line: span.start().line,
        });
    }
}

impl<'ast> Visit<'ast> for Checker {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        let mut paths = Vec::new();
        use_paths(&item.tree, "", &mut paths);
        if !self.allow_processes && paths.iter().any(|p| names_a_process(p)) {
            self.flag("an OS process is started (IN-1)", item.use_token.span);
        }
        syn::visit::visit_item_use(self, item);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let text: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        if !self.allow_processes && names_a_process(&text.join("::")) {
            self.flag(
                "an OS process is started (IN-1)",
                path.segments[0].ident.span(),
            );
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_ident(&mut self, ident: &'ast proc_macro2::Ident) {
        if !self.allow_dynamic && FORBIDDEN_IDENTS.iter().any(|f| ident == f) {
            self.flag("escape hatch around static SQL", ident.span());
        }
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let name = mac.path.segments.last().map(|s| s.ident.to_string());
        if !self.allow_dynamic
            && name.is_some_and(|n| FORMATTING_MACROS.contains(&n.as_str()))
            && tokens_hold_sql(&mac.tokens)
        {
            self.flag(
                "SQL text built with a formatting macro",
                mac.path.segments[0].ident.span(),
            );
        }
        for tree in mac.tokens.clone() {
            if let TokenTree::Ident(ident) = tree {
                self.visit_ident(&ident);
            }
        }
        syn::visit::visit_macro(self, mac);
    }

    fn visit_expr_binary(&mut self, expr: &'ast syn::ExprBinary) {
        if matches!(expr.op, syn::BinOp::Add(_) | syn::BinOp::AddAssign(_))
            && (expr_is_sql_literal(&expr.left) || expr_is_sql_literal(&expr.right))
        {
            self.flag(
                "SQL text concatenated with +",
                syn::spanned::Spanned::span(&expr.op),
            );
        }
        syn::visit::visit_expr_binary(self, expr);
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        let method = call.method.to_string();
        let receiver = quote_free_text(&call.receiver).to_lowercase();
        let pushes = method == "push_str" || method == "push";
        if pushes
            && (receiver.contains("sql")
                || receiver.contains("query")
                || call.args.iter().any(expr_is_sql_literal))
        {
            self.flag("SQL text built with push_str", call.method.span());
        }
        if method == "leak" {
            self.flag(
                "a leaked String would pass as &'static str SQL",
                call.method.span(),
            );
        }
        syn::visit::visit_expr_method_call(self, call);
    }

    fn visit_expr_path(&mut self, path: &'ast syn::ExprPath) {
        let segments: Vec<String> = path
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        if segments.ends_with(&["Box".to_owned(), "leak".to_owned()]) {
            self.flag(
                "a leaked String would pass as &'static str SQL",
                path.path.segments[0].ident.span(),
            );
        }
        syn::visit::visit_expr_path(self, path);
    }
}

fn quote_free_text(expr: &syn::Expr) -> String {
    match expr {
        syn::Expr::Path(p) => p
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect::<Vec<_>>()
            .join("::"),
        syn::Expr::Field(f) => match &f.member {
            syn::Member::Named(ident) => ident.to_string(),
            syn::Member::Unnamed(_) => String::new(),
        },
        _ => String::new(),
    }
}

fn violations(source: &str, allow_dynamic: bool) -> Vec<Violation> {
    checked(source, allow_dynamic, false)
}

fn checked(source: &str, allow_dynamic: bool, allow_processes: bool) -> Vec<Violation> {
    let file = syn::parse_file(source).expect("every workspace file parses");
    let mut checker = Checker {
        allow_dynamic,
        allow_processes,
        found: Vec::new(),
    };
    checker.visit_file(&file);
    checker.found
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn in_1_no_sql_is_assembled_from_runtime_strings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    rust_files(&root.join("crates"), &mut files);
    assert!(files.len() > 10, "the scan found too few files: {files:?}");
    let this_file = Path::new(file!()).file_name().unwrap();
    let mut report = Vec::new();
    for file in files {
        if file.file_name() == Some(this_file) {
            continue;
        }
        let relative = file
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let allow = ALLOWED_DYNAMIC_SQL
            .iter()
            .any(|(path, _)| relative == *path);
        // Tests may start processes: they run the `helio` binary as an operator would.
        let test_code = relative.contains("/tests/");
        for v in checked(&fs::read_to_string(&file).unwrap(), allow, test_code) {
            report.push(format!("{relative}:{}: {}", v.line, v.rule));
        }
    }
    assert!(
        report.is_empty(),
        "dynamic SQL found (IN-1):\n{}",
        report.join("\n")
    );
}

#[test]
fn in_1_checker_catches_each_way_around_static_sql() {
    let cases = [
        r#"fn f(t: &str) { sqlx::query(AssertSqlSafe(t.to_owned())); }"#,
        r#"fn f(t: &str) { let q = format!("SELECT * FROM users WHERE name = '{t}'"); }"#,
        r#"fn f(t: &str) { let q = "DELETE FROM users WHERE id = ".to_owned() + t; }"#,
        r#"fn f(t: &str) { let mut sql = String::new(); sql.push_str(t); }"#,
        r#"fn f(t: &str) { let mut s = String::new(); s.push_str(" WHERE id = "); }"#,
        r#"fn f(t: String) { sqlx::query(t.leak()); }"#,
        r#"fn f(t: String) { sqlx::query(Box::leak(t.into_boxed_str())); }"#,
        r#"fn f() { let b = sqlx::QueryBuilder::new("x"); }"#,
        r#"fn f(t: &str) { sqlx::raw_sql(t); }"#,
        r#"use std::process::Command; fn f() {}"#,
        r#"use std::process::{self, Command}; fn f() {}"#,
        r#"use tokio::process::*; fn f() {}"#,
        r#"fn f(t: &str) { std::process::Command::new("sh").arg(t); }"#,
    ];
    for case in cases {
        assert!(!violations(case, false).is_empty(), "not caught: {case}");
    }
}

#[test]
fn in_1_checker_accepts_parameterised_queries_and_ordinary_text() {
    let fine = [
        r#"fn f(id: i64) { sqlx::query("SELECT a FROM t WHERE id = ?").bind(id); }"#,
        r#"fn f(n: &str) { let m = format!("Select a slot, {n}"); }"#,
        r#"fn f() { let mut s = String::new(); s.push_str("hello"); }"#,
    ];
    for case in fine {
        assert!(violations(case, false).is_empty(), "false alarm: {case}");
    }
}
