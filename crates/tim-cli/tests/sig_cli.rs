//! Black-box tests of `tim sig`, running the built binary.

use std::process::{Command, Output};

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
/// The official Python signer's `gen_sig("xiaojun", 15552000)` at 1569910200 (`docs/usersig.md`).
const PYTHON_XIAOJUN: &str = "eJyrVgrxCdYrSy1SslJQMtIzUNJRAItkpqTmlWSmZUIkKjIT87NK82CSxSnZiQUFmSlAKUMTAyiAyqVWFGQWpYJkTE1NjRDiJZm5EFEzS0tDAyO4eHFmOsiGdP-81HBD42JDS7f0yjyLoPIc1xL9Ip-scuPyKp9CS1-t4EKnpIgQz7S8QFulWgAoqDP8";

/// `tim --sdkappid 1400000000 --key KEY <args>`, with the environment cleared of TIM_*.
fn tim(args: &[&str]) -> Output {
    tim_raw(&[&["--sdkappid", "1400000000", "--key", KEY], args].concat())
}

fn tim_raw(args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tim"));
    for (name, _) in std::env::vars() {
        if name.starts_with("TIM_") {
            cmd.env_remove(name);
        }
    }
    cmd.args(args).output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

#[test]
fn gen_then_verify_round_trip() {
    let out = tim(&[
        "sig",
        "gen",
        "--identifier",
        "alice",
        "--now",
        "1700000000",
        "--expire",
        "3600",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let sig = stdout(&out);
    // The UserSig alone, on one line.
    assert_eq!(sig.lines().count(), 1);
    let sig = sig.trim_end();
    assert!(
        !sig.is_empty()
            && sig
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"*-_".contains(&b))
    );

    let out = tim(&[
        "sig",
        "verify",
        "--identifier",
        "alice",
        "--now",
        "1700003600",
        sig,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let fields: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(fields["identifier"], "alice");
    assert_eq!(fields["sdkappid"], 1_400_000_000u64);
    assert_eq!(fields["time"], 1_700_000_000u64);
    assert_eq!(fields["expire"], 3600);
    assert_eq!(fields["expires_at"], 1_700_003_600u64);
    assert_eq!(fields["userbuf"], serde_json::Value::Null);
    // The token itself is never echoed.
    assert!(!stdout(&out).contains(sig));
}

#[test]
fn gen_with_userbuf_and_default_expire() {
    let out = tim(&[
        "sig",
        "gen",
        "--identifier",
        "bob",
        "--now",
        "1",
        "--userbuf",
        "YWJj",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let sig = stdout(&out);
    let out = tim(&[
        "sig",
        "verify",
        "--identifier",
        "bob",
        "--now",
        "1",
        "--userbuf",
        "YWJj",
        sig.trim(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let fields: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(fields["expire"], 15_552_000);
    assert_eq!(fields["userbuf"], "YWJj");
}

#[test]
fn verify_an_official_vector() {
    let out = tim(&[
        "sig",
        "verify",
        "--identifier",
        "xiaojun",
        "--now",
        "1569910200",
        PYTHON_XIAOJUN,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let fields: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(fields["identifier"], "xiaojun");
    assert_eq!(fields["expire"], 15_552_000);
}

#[test]
fn expired_fails_with_one_line() {
    let out = tim(&[
        "sig",
        "verify",
        "--identifier",
        "xiaojun",
        "--now",
        "1585462201",
        PYTHON_XIAOJUN,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).is_empty());
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("expired at 1585462200"), "{err}");
}

#[test]
fn wrong_identifier_fails() {
    let out = tim(&[
        "sig",
        "verify",
        "--identifier",
        "admin",
        "--now",
        "1569910200",
        PYTHON_XIAOJUN,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("identifier mismatch"), "{err}");
}

#[test]
fn wrong_key_fails() {
    let out = tim_raw(&[
        "--sdkappid",
        "1400000000",
        "--key",
        "other",
        "sig",
        "verify",
        "--identifier",
        "xiaojun",
        "--now",
        "1569910200",
        PYTHON_XIAOJUN,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("signature mismatch"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("other"));
}

#[test]
fn decode_prints_the_document() {
    let out = tim_raw(&["sig", "decode", PYTHON_XIAOJUN]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["TLS.identifier"], "xiaojun");
    assert_eq!(doc["TLS.time"], 1_569_910_200u64);
    assert_eq!(
        doc["TLS.sig"],
        "gOoeW13s19Fgyn8RwlEt/rLkw3wzLq9M+SqBbXTIfnQ="
    );

    let out = tim_raw(&["sig", "decode", "not-a-usersig"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out).lines().count(), 1);
}

#[test]
fn missing_credentials_are_a_usage_error() {
    let out = tim_raw(&["sig", "gen", "--identifier", "alice"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("--sdkappid"), "{err}");

    let out = tim_raw(&[
        "--sdkappid",
        "1400000000",
        "sig",
        "verify",
        "--identifier",
        "a",
        "x",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--key"));
}
