//! Black-box tests of the CLI problems found by trying it as a new user would: credentials
//! precedence, empty secrets, completions into a closed pipe, a users file that is not UTF-8,
//! and Ctrl-C during an export, and plurals.

mod common;

use std::io::Read as _;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::{serve, tim};

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tim-cli-fixes-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// `tim` against a running emulator with the given credential options and environment.
fn list_with(url: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = tim();
    cmd.args(["--base-url", url, "--sdkappid", "1400000000"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.args(args)
        .args(["contacts", "list", "--from", "alice", "--format", "jsonl"])
        .output()
        .expect("runs")
}

#[test]
fn an_explicit_option_wins_over_the_environment_and_both_kinds_at_once_are_refused() {
    let e = serve(&["--demo"]);
    // A wrong key in the environment does not override an explicit, valid --key...
    let good_sig = tim()
        .args([
            "--sdkappid",
            "1400000000",
            "--key",
            KEY,
            "sig",
            "gen",
            "--identifier",
            "administrator",
        ])
        .output()
        .expect("runs");
    assert!(good_sig.status.success(), "{}", stderr(&good_sig));
    let sig = String::from_utf8_lossy(&good_sig.stdout).trim().to_owned();
    let ok = list_with(&e.url, &["--usersig", &sig], &[("TIM_KEY", "not-the-key")]);
    assert!(
        ok.status.success(),
        "an explicit --usersig wins over TIM_KEY: {}",
        stderr(&ok)
    );
    let ok = list_with(&e.url, &["--key", KEY], &[("TIM_USERSIG", "eJy-stale")]);
    assert!(
        ok.status.success(),
        "an explicit --key wins over TIM_USERSIG: {}",
        stderr(&ok)
    );
    // ... and both kinds from the same place are a one-line usage error.
    let both = list_with(&e.url, &["--key", KEY, "--usersig", &sig], &[]);
    assert_eq!(both.status.code(), Some(2));
    assert!(stderr(&both).contains("not both"), "{}", stderr(&both));
    assert_eq!(stderr(&both).lines().count(), 1, "{}", stderr(&both));
    let both = list_with(&e.url, &[], &[("TIM_KEY", KEY), ("TIM_USERSIG", &sig)]);
    assert_eq!(both.status.code(), Some(2));
    assert!(stderr(&both).contains("both set"), "{}", stderr(&both));
    // The secrets never appear in the messages.
    assert!(!stderr(&both).contains(KEY) && !stderr(&both).contains(&sig));
}

#[test]
fn an_empty_secret_is_refused() {
    for args in [["--key", ""], ["--usersig", " "]] {
        let o = tim()
            .args(["--base-url", "http://127.0.0.1:9", "--sdkappid", "1"])
            .args(args)
            .args(["contacts", "list", "--from", "alice"])
            .output()
            .expect("runs");
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("empty"), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn completions_into_a_pipe_closed_early_exit_quietly() {
    for shell in ["zsh", "bash"] {
        for _ in 0..5 {
            let mut child = tim()
                .args(["completions", shell])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("runs");
            // Read a little, then close the pipe, as `| head -3` does.
            let mut stdout = child.stdout.take().expect("stdout");
            let mut first = [0u8; 64];
            let _ = stdout.read(&mut first);
            drop(stdout);
            let out = child.wait_with_output().expect("exits");
            assert_ne!(out.status.code(), Some(101), "{shell}: {}", stderr(&out));
            assert!(
                !stderr(&out).contains("panicked"),
                "{shell}: {}",
                stderr(&out)
            );
        }
    }
}

#[test]
fn a_users_file_with_a_line_that_is_not_utf8_names_the_line() {
    let dir = temp_dir("utf8");
    let users = dir.join("users.txt");
    std::fs::write(&users, b"user0001\nuser0002\nus\xffer\nuser0004\n").expect("write");
    let o = tim()
        .args(["contacts", "export", "--users"])
        .arg(&users)
        .arg("--out")
        .arg(dir.join("out.jsonl"))
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("users.txt:3: not valid UTF-8"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn messages_count_accounts_in_the_singular_and_plural() {
    let dir = temp_dir("plural");
    let users = dir.join("users.txt");
    std::fs::write(&users, "user0001\n").expect("write");
    let o = tim()
        .args(["contacts", "export", "--users"])
        .arg(&users)
        .arg("--out")
        .arg(dir.join("out.jsonl"))
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("exported 1 account to"),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("1 accounts"), "{}", stderr(&o));
}

#[test]
fn ctrl_c_during_an_export_says_it_was_interrupted_and_how_to_resume() {
    // A slow service: every call takes 200 ms, so the export is still running when interrupted.
    let e = serve(&["--demo", "--fault", "latency=200ms"]);
    let dir = temp_dir("sigint");
    let users = dir.join("users.txt");
    let list: String = (1..=200).map(|n| format!("user{n:04}\n")).collect();
    std::fs::write(&users, list).expect("write");
    let child = tim()
        .args([
            "--base-url",
            &e.url,
            "--sdkappid",
            "1400000000",
            "--key",
            KEY,
        ])
        .args(["contacts", "export", "--concurrency", "2", "--users"])
        .arg(&users)
        .arg("--out")
        .arg(dir.join("out.jsonl"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    // Wait until it has written something, then send SIGINT as a terminal's Ctrl-C does.
    let out = dir.join("out.jsonl");
    for _ in 0..200 {
        if std::fs::metadata(&out)
            .map(|m| m.len() > 0)
            .unwrap_or(false)
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let o = child.wait_with_output().expect("exits");
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    let text = stderr(&o);
    assert!(text.contains("interrupted"), "{text}");
    assert!(
        text.contains("run the same command again to resume"),
        "{text}"
    );
}

#[test]
fn redis_option_shares_the_limit_and_falls_back_without_printing_its_password() {
    // Redis on a closed port: the limiter falls back to its local share (fail-open), the
    // command still works, and the warning never shows the URL's password.
    let e = serve(&["--demo"]);
    let o = tim()
        .args([
            "--base-url",
            &e.url,
            "--sdkappid",
            "1400000000",
            "--key",
            KEY,
        ])
        .args([
            "--redis",
            "redis://:hunter2-secret@127.0.0.1:1",
            "--replicas",
            "4",
            "-v",
        ])
        .args([
            "contacts", "list", "--from", "alice", "--all", "--format", "jsonl",
        ])
        .output()
        .expect("runs");
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 300);
    assert!(
        err.to_lowercase().contains("redis"),
        "the fallback is reported: {err}"
    );
    assert!(!err.contains("hunter2-secret"), "{err}");
}

/// The service options (`--base-url`, `--region`, `--usersig`, `--redis`, `--replicas`) belong to
/// the commands that call the service: `tim emulator serve --help` does not list them, the
/// service commands do, they work before or after the subcommand's name, and given before a
/// command that ignores them they are a usage error instead of being dropped silently.
#[test]
fn service_options_are_listed_only_where_they_apply() {
    const SERVICE: [&str; 6] = [
        "--base-url",
        "--region",
        "--usersig",
        "--redis",
        "--replicas",
        "--timeout-ms",
    ];
    let help = |args: &[&str]| {
        let o = tim().args(args).arg("--help").output().expect("runs");
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let serve_help = help(&["emulator", "serve"]);
    for option in SERVICE {
        assert!(
            !serve_help.contains(option),
            "serve --help lists {option}:\n{serve_help}"
        );
    }
    // The emulated app's credentials still apply to serve.
    for option in ["--sdkappid", "--key", "--admin"] {
        assert!(
            serve_help.contains(option),
            "serve --help lacks {option}:\n{serve_help}"
        );
    }
    for command in [
        &["contacts", "list"][..],
        &["groups", "list"],
        &["marks", "set"],
        &["api"],
    ] {
        let text = help(command);
        for option in SERVICE {
            assert!(
                text.contains(option),
                "{command:?} --help lacks {option}:\n{text}"
            );
        }
    }

    // Before and after the subcommand's name, both reach the client.
    let e = serve(&["--demo"]);
    for args in [
        vec![
            "--base-url",
            e.url.as_str(),
            "contacts",
            "list",
            "--from",
            "alice",
        ],
        vec![
            "contacts",
            "list",
            "--base-url",
            e.url.as_str(),
            "--from",
            "alice",
        ],
        vec![
            "contacts",
            "--base-url",
            e.url.as_str(),
            "list",
            "--from",
            "alice",
        ],
    ] {
        let o = tim()
            .args(["--sdkappid", "1400000000", "--key", KEY])
            .args(&args)
            .args(["--format", "jsonl"])
            .output()
            .expect("runs");
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        assert_eq!(
            String::from_utf8_lossy(&o.stdout).lines().count(),
            100,
            "{args:?}: one page of alice's conversations"
        );
    }
    // An explicit option wins over the environment wherever it is given.
    let o = tim()
        .env("TIM_BASE_URL", "http://127.0.0.1:9")
        .args(["--sdkappid", "1400000000", "--key", KEY])
        .args(["contacts", "list", "--from", "alice", "--base-url", &e.url])
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", stderr(&o));

    // Given before a command that does not call the service: refused, naming the option.
    let o = tim()
        .args([
            "--base-url",
            "http://127.0.0.1:9",
            "emulator",
            "serve",
            "--demo",
        ])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--base-url does not apply to `tim emulator`"),
        "{}",
        stderr(&o)
    );
    // After `serve`, clap itself refuses it as an unknown argument.
    let o = tim()
        .args(["emulator", "serve", "--demo", "--usersig", "x"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}
