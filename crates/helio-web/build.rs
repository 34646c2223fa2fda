//! Marks the MySQL half of the dual-backend test suite as runnable when a test server is named.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(helio_test_mysql)");
    println!("cargo::rerun-if-env-changed=HELIO_TEST_MYSQL_URL");
    if std::env::var_os("HELIO_TEST_MYSQL_URL").is_some_and(|url| !url.is_empty()) {
        println!("cargo::rustc-cfg=helio_test_mysql");
    }
}
