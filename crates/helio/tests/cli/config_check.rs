//! `helio config check`: the effective configuration, redacted, and refusals with exit code 2.

use crate::{run, text};

#[test]
fn mc_1_config_check_prints_the_configuration_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(
        dir.path(),
        &["config", "check"],
        &[(
            "HELIO_DATABASE_URL",
            "mysql://helio:Pa55word-XYZ@127.0.0.1:3306/helio",
        )],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(!stdout.contains("Pa55word-XYZ"), "{stdout}");
    assert!(
        stdout.contains("mysql://helio:REDACTED@127.0.0.1:3306/helio"),
        "{stdout}"
    );
    assert!(stdout.contains("mode = \"dev\""), "{stdout}");
    assert!(
        !dir.path().join("data").exists(),
        "checking creates nothing"
    );
}

#[test]
fn mc_1_production_refusal_names_every_problem_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(
        dir.path(),
        &["serve"],
        &[
            ("HELIO_MODE", "production"),
            (
                "HELIO_DATABASE_URL",
                "mysql://helio:Pa55word-XYZ@db/helio?ssl-mode=REQUIRED",
            ),
            ("HELIO_SERVER_BIND", "0.0.0.0:8080"),
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    for expected in [
        "must verify the database server's certificate",
        "keys.dir must name the directory",
        "no TLS",
        "server.bind 0.0.0.0:8080 is reachable from the network",
    ] {
        assert!(
            stderr.contains(expected),
            "missing {expected:?} in:\n{stderr}"
        );
    }
    assert!(!stderr.contains("Pa55word-XYZ"), "{stderr}");
    let event = refusal_event(&output);
    assert_eq!(field_of(&event, "reason"), "invalid_settings");
    assert!(
        field_of(&event, "count").parse::<u64>().unwrap() >= 4,
        "{event}"
    );
}

/// LM-1: the one line a refused start writes on stdout is the `configuration_refused`
/// security event (critical, for alerting), with no setting's value in it.
fn refusal_event(output: &std::process::Output) -> serde_json::Value {
    let stdout = text(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "nothing served, one event logged: {stdout}");
    assert!(!stdout.contains("Pa55word-XYZ"), "{stdout}");
    let event: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    for (field, expected) in [
        ("target", "helio::security"),
        ("event", "configuration_refused"),
        ("severity", "critical"),
    ] {
        assert_eq!(field_of(&event, field), expected, "{event}");
    }
    event
}

fn field_of(event: &serde_json::Value, field: &str) -> String {
    event
        .get(field)
        .map(|value| {
            value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_owned)
        })
        .unwrap_or_default()
}

#[test]
fn sys_1_the_demo_is_refused_in_production() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(
        dir.path(),
        &["serve", "--demo"],
        &[("HELIO_MODE", "production")],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("--demo is for dev mode only"),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(
        field_of(&refusal_event(&output), "reason"),
        "demo_in_production"
    );
    assert!(!dir.path().join("data").exists(), "nothing created");
}

#[test]
fn production_refuses_sqlite_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(
        dir.path(),
        &["config", "check"],
        &[
            ("HELIO_MODE", "production"),
            ("HELIO_DATABASE_URL", "sqlite://helio.db"),
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("production needs MySQL"));
}

#[test]
fn a_typo_in_a_variable_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(
        dir.path(),
        &["config", "check"],
        &[("HELIO_SERVER_BINDD", "x")],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("bindd"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn secrets_are_read_from_files() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("db-url");
    std::fs::write(&secret, "mysql://helio:FromFile-123@db/helio\n").unwrap();
    let output = run(
        dir.path(),
        &["config", "check"],
        &[("HELIO_DATABASE_URL_FILE", secret.to_str().unwrap())],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("mysql://helio:REDACTED@db/helio"),
        "{stdout}"
    );
    assert!(!stdout.contains("FromFile-123"));
}

#[test]
fn au_3_staff_create_prints_a_one_time_link_and_never_a_password() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(
        dir.path(),
        &[
            "staff",
            "create",
            "--email",
            "first.admin@helio.example",
            "--name",
            "First Admin",
            "--role",
            "admin",
        ],
        &[],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let links: Vec<&str> = stdout.lines().filter(|l| l.starts_with("http")).collect();
    assert_eq!(links.len(), 1, "{stdout}");
    assert!(
        links[0].starts_with("http://localhost:8080/welcome?token="),
        "{}",
        links[0]
    );
    let token = links[0].split("token=").nth(1).unwrap();
    assert_eq!(token.len(), 43);
    assert!(
        !text(&output.stderr).contains(token),
        "the link goes to stdout only"
    );
    assert!(
        !stdout.to_lowercase().contains("password:"),
        "no password is printed"
    );
    let again = run(
        dir.path(),
        &[
            "staff",
            "create",
            "--email",
            "first.admin@helio.example",
            "--name",
            "Again",
            "--role",
            "admin",
        ],
        &[],
    );
    assert!(again.status.success(), "{}", text(&again.stderr));
    let renewed = text(&again.stdout);
    let renewed: Vec<&str> = renewed.lines().filter(|l| l.starts_with("http")).collect();
    assert_eq!(renewed.len(), 1);
    assert_ne!(
        renewed[0], links[0],
        "an invitation not yet accepted gets a fresh link (the old one is void)"
    );
    let customer = run(
        dir.path(),
        &[
            "staff",
            "create",
            "--email",
            "c@helio.example",
            "--name",
            "C",
            "--role",
            "customer",
        ],
        &[],
    );
    assert_eq!(
        customer.status.code(),
        Some(2),
        "clap refuses a non-staff role"
    );
}

#[test]
fn sm_4_staff_set_role_changes_the_role_and_ends_its_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let create = |role: &str| {
        run(
            dir.path(),
            &[
                "staff",
                "create",
                "--email",
                "ana.gil@helio.example",
                "--name",
                "Ana Gil",
                "--role",
                role,
            ],
            &[],
        )
    };
    assert!(create("support").status.success());
    let changed = run(
        dir.path(),
        &[
            "staff",
            "set-role",
            "--email",
            "ana.gil@helio.example",
            "--role",
            "engineer",
        ],
        &[],
    );
    assert!(changed.status.success(), "{}", text(&changed.stderr));
    let said = text(&changed.stdout);
    assert!(said.contains("is now engineer (was support)"), "{said}");
    assert!(said.contains("0 of its sessions ended"), "{said}");
    let again = run(
        dir.path(),
        &[
            "staff",
            "set-role",
            "--email",
            "ana.gil@helio.example",
            "--role",
            "engineer",
        ],
        &[],
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again.stderr).contains("already has that role"));
    let customer = run(
        dir.path(),
        &[
            "staff",
            "set-role",
            "--email",
            "ana.gil@helio.example",
            "--role",
            "customer",
        ],
        &[],
    );
    assert_eq!(
        customer.status.code(),
        Some(2),
        "clap refuses a non-staff role"
    );
}

#[test]
fn sm_16_sessions_end_all_needs_a_reason_and_reports_the_count() {
    let dir = tempfile::tempdir().unwrap();
    let created = run(
        dir.path(),
        &[
            "staff",
            "create",
            "--email",
            "leo.mas@helio.example",
            "--name",
            "Leo Mas",
            "--role",
            "sales",
        ],
        &[],
    );
    assert!(created.status.success());
    let ended = run(
        dir.path(),
        &[
            "sessions",
            "end-all",
            "--email",
            "leo.mas@helio.example",
            "--reason",
            "ticket 12",
        ],
        &[],
    );
    assert!(ended.status.success(), "{}", text(&ended.stderr));
    assert!(text(&ended.stdout).contains("Ended 0 sessions of account "));
    let no_reason = run(
        dir.path(),
        &[
            "sessions",
            "end-all",
            "--email",
            "leo.mas@helio.example",
            "--reason",
            " ",
        ],
        &[],
    );
    assert_eq!(no_reason.status.code(), Some(1));
    assert!(text(&no_reason.stderr).contains("Give a reason"));
}

#[test]
fn cr_4_keys_rotate_creates_a_version_and_re_encrypts_everything() {
    let dir = tempfile::tempdir().unwrap();
    let created = run(
        dir.path(),
        &[
            "staff",
            "create",
            "--email",
            "ops@helio.example",
            "--name",
            "Ops",
            "--role",
            "engineer",
        ],
        &[],
    );
    assert!(created.status.success(), "{}", text(&created.stderr));
    let account_of = |output: &std::process::Output| {
        let stderr = text(&output.stderr);
        let start = stderr.find("account ").unwrap() + "account ".len();
        stderr[start..start + 36].to_owned()
    };
    let account = account_of(&created);
    let rotated = run(dir.path(), &["keys", "rotate", "--batch-size", "1"], &[]);
    assert!(rotated.status.success(), "{}", text(&rotated.stderr));
    let report = text(&rotated.stdout);
    assert!(
        report.contains("data key version 2: re-encrypted 1 accounts"),
        "{report}"
    );
    let resumed = run(dir.path(), &["keys", "rotate", "--resume"], &[]);
    assert!(text(&resumed.stdout).contains("data key version 2: re-encrypted 0 accounts"));
    let after = run(
        dir.path(),
        &[
            "staff",
            "create",
            "--email",
            "ops@helio.example",
            "--name",
            "Ops",
            "--role",
            "engineer",
        ],
        &[],
    );
    assert!(after.status.success(), "{}", text(&after.stderr));
    assert_eq!(
        account_of(&after),
        account,
        "the rotated blind index still finds the account (a fresh link, not a second account)"
    );
    let retire = run(dir.path(), &["keys", "retire"], &[]);
    assert_eq!(retire.status.code(), Some(1));
    assert!(
        text(&retire.stderr).contains("less than 10 minutes old"),
        "{}",
        text(&retire.stderr)
    );
}

#[test]
fn au_3_installers_are_invited_into_a_crew_and_no_link_is_printed() {
    let dir = tempfile::tempdir().unwrap();
    // Logs are JSON lines on stdout too; the command's own output is the rest.
    let ok = |args: &[&str]| {
        let output = run(dir.path(), args, &[]);
        assert!(output.status.success(), "{}", text(&output.stderr));
        let printed: Vec<String> = text(&output.stdout)
            .lines()
            .filter(|line| !line.starts_with('{'))
            .map(str::to_owned)
            .collect();
        let everything = format!("{}{}", text(&output.stdout), text(&output.stderr));
        (printed.join("\n"), everything)
    };
    let (company, _) = ok(&["partners", "add-company", "--name", "Sol y Tejado S.L."]);
    let company = company.trim().to_owned();
    let (crew, _) = ok(&[
        "partners",
        "add-crew",
        "--company",
        &company,
        "--name",
        "Crew Norte",
    ]);
    let crew = crew.trim().to_owned();
    let (listing, _) = ok(&["partners", "list"]);
    assert_eq!(
        listing.trim(),
        format!("{company}\tSol y Tejado S.L.\t{crew}\tCrew Norte")
    );
    let (account, everything) = ok(&[
        "partners",
        "invite-installer",
        "--crew",
        &crew,
        "--email",
        "pau.roca@example.com",
        "--name",
        "Pau Roca",
    ]);
    assert_eq!(account.trim().len(), 36, "the account ID: {account}");
    assert!(
        !everything.contains("token="),
        "the link goes to the mailbox only, not to the terminal or the log"
    );

    let refused = run(
        dir.path(),
        &[
            "partners",
            "invite-installer",
            "--crew",
            "00000000-0000-4000-8000-000000000000",
            "--email",
            "not-an-email",
            "--name",
            "X",
        ],
        &[],
    );
    assert_eq!(refused.status.code(), Some(1));
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains("crew: There is no crew with this ID."),
        "{stderr}"
    );
    assert!(
        stderr.contains("email:"),
        "every problem is named: {stderr}"
    );
    let junk = run(
        dir.path(),
        &[
            "partners",
            "add-crew",
            "--company",
            "'; DROP TABLE crews; --",
            "--name",
            "X",
        ],
        &[],
    );
    assert_eq!(junk.status.code(), Some(2), "clap refuses a malformed ID");
}

#[test]
fn cr_4_keys_rotate_kek_moves_the_data_keys_and_only_the_new_kek_opens_them() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let create = || {
        run(
            dir.path(),
            &[
                "staff",
                "create",
                "--email",
                "kek@helio.example",
                "--name",
                "Kek",
                "--role",
                "engineer",
            ],
            &[],
        )
    };
    let created = create();
    assert!(created.status.success(), "{}", text(&created.stderr));
    let new_dir = dir.path().join("new-kek");
    std::fs::create_dir(&new_dir).unwrap();
    let new_key = new_dir.join("kek.key");
    std::fs::write(&new_key, "bmV3IGtleS1lbmNyeXB0aW9uIGtleSwgMzIgYnl0ZXM=\n").unwrap();
    std::fs::set_permissions(&new_key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let rotate_kek = || {
        run(
            dir.path(),
            &["keys", "rotate-kek", "--new-kek-dir", "new-kek"],
            &[],
        )
    };
    let exposed = rotate_kek();
    assert_eq!(exposed.status.code(), Some(1));
    assert!(
        text(&exposed.stderr).contains("readable by other users"),
        "{}",
        text(&exposed.stderr)
    );
    std::fs::set_permissions(&new_key, std::fs::Permissions::from_mode(0o600)).unwrap();

    let rotated = rotate_kek();
    assert!(rotated.status.success(), "{}", text(&rotated.stderr));
    assert!(
        text(&rotated.stdout).contains(
            "re-wrapped 1 data key version(s) under the new key-encryption key (0 already were)"
        ),
        "{}",
        text(&rotated.stdout)
    );
    let on_old_kek = run(dir.path(), &["keys", "rotate"], &[]);
    assert_eq!(
        on_old_kek.status.code(),
        Some(1),
        "the old KEK opens nothing now"
    );
    assert!(text(&on_old_kek.stderr).contains("cannot load the data keys"));

    std::fs::copy(&new_key, dir.path().join("data/keys/kek.key")).unwrap();
    let on_new_kek = run(dir.path(), &["keys", "rotate"], &[]);
    assert!(on_new_kek.status.success(), "{}", text(&on_new_kek.stderr));
    assert!(text(&on_new_kek.stdout).contains("data key version 2: re-encrypted 1 accounts"));
    let again = create();
    assert!(again.status.success(), "{}", text(&again.stderr));
    let account = |output: &std::process::Output| {
        let stderr = text(&output.stderr);
        let start = stderr.find("account ").unwrap() + "account ".len();
        stderr[start..start + 36].to_owned()
    };
    assert_eq!(
        account(&again),
        account(&created),
        "the account still reads"
    );
    let same = rotate_kek();
    assert_eq!(same.status.code(), Some(1));
    assert!(text(&same.stderr).contains("is the current one"));
}
