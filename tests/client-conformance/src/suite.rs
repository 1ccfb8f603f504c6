//! The checks, each an `async fn(Adapter)`, written once for every adapter.

use std::collections::HashSet;
use std::time::Duration;

use futures_util::StreamExt;
use tim_client::{Clock, Error, RateLimit};
use tim_emulator::{Emulator, Fault, Kind, demo};
use tim_proto::ErrorCode;
use tim_proto::ListCursor as Cursor;
use tim_proto::recent_contact::{AssistFlags, DeleteTarget, SessionItem};

use crate::{Adapter, KEY, ShiftedClock, conversations, emulator};

const GET_LIST: &str = "recentcontact/get_list";
const FREQUENCY_LIMITS: [i64; 4] = [60007, 60011, 60018, 60019];

/// `(Type, peer)` of every item, in order (shared with the transport suite).
pub use conformance::harness::peers;

fn assert_unique(items: &[SessionItem]) {
    let peers = peers(items);
    let unique: HashSet<_> = peers.iter().collect();
    assert_eq!(unique.len(), peers.len(), "a conversation came twice");
}

/// The whole list in one page (page size above the list's length): the emulator's own order,
/// with no paging involved, to compare walks with.
async fn reference(env: &crate::Env, account: &str, flags: AssistFlags) -> Vec<SessionItem> {
    let client = env.client().no_rate_limit().build().expect("valid");
    let page_size = env.with(|e| {
        let size = e.page_size();
        e.set_page_size(1_000_000);
        size
    });
    let page = client
        .contacts()
        .with_flags(flags)
        .list(account)
        .page()
        .await
        .expect("one page");
    env.with(|e| e.set_page_size(page_size));
    assert!(page.is_last(), "the reference is a single page");
    page.items
}

/// Full walks of a 1,000-conversation list (pinned, empty, equal times, marks) under every
/// combination of the three documented flag bits and the documented values 15 and 63, at an
/// odd page size: each walk equals the single-page list, with nothing repeated.
pub async fn full_walks(adapter: Adapter) {
    let env = adapter
        .start(emulator(37, &[("walker", conversations(1000))]))
        .await;
    let client = env.client().no_rate_limit().build().expect("valid");
    let mut flag_sets: Vec<AssistFlags> = (0..8).map(AssistFlags::from_bits_retain).collect();
    flag_sets.extend([AssistFlags::DOCUMENTED_15, AssistFlags::DOCUMENTED_63]);
    for flags in flag_sets {
        let expected = reference(&env, "walker", flags).await;
        assert!(expected.len() > 900, "{flags:?}: {}", expected.len());
        let mut pages = client.contacts().with_flags(flags).list("walker").pages();
        let mut items = Vec::new();
        let mut count = 0;
        while let Some(page) = pages.next().await {
            let page = page.unwrap_or_else(|e| panic!("{flags:?}: {e}"));
            count += 1;
            assert_eq!(page.number, count);
            assert_eq!(
                page.next,
                pages.cursor(),
                "the stream exposes the page's cursor"
            );
            items.extend(page.items);
        }
        assert!(pages.is_complete() && pages.cursor().is_none());
        assert!(
            count as usize >= expected.len() / 37,
            "{flags:?}: {count} pages"
        );
        assert_eq!(peers(&items), peers(&expected), "{flags:?}");
        assert_eq!(items, expected, "{flags:?}: items arrive as sent");
        assert_unique(&items);
    }
}

/// A walk stopped after three pages and resumed from the cursor's text by a new client yields
/// the rest, so the two parts make the list; the conversation stream's cursors agree.
pub async fn resume_from_stored_cursor(adapter: Adapter) {
    let env = adapter
        .start(emulator(50, &[("walker", conversations(620))]))
        .await;
    let flags = AssistFlags::DOCUMENTED_63;
    let expected = reference(&env, "walker", flags).await;

    let first = env.client().build().expect("valid");
    let mut pages = first.contacts().with_flags(flags).list("walker").pages();
    let mut items = Vec::new();
    for _ in 0..3 {
        items.extend(pages.next().await.expect("a page").expect("ok").items);
    }
    let stored = pages.cursor().expect("not complete").to_string();
    drop(pages);
    drop(first);

    let second = env.client().build().expect("valid");
    let cursor: Cursor = stored.parse().expect("the stored cursor parses");
    let rest = second
        .contacts()
        .with_flags(flags)
        .list("walker")
        .resume(cursor)
        .collect_all()
        .await
        .expect("the rest");
    items.extend(rest);
    assert_eq!(peers(&items), peers(&expected));

    // The conversation stream: resuming at `next` after the last item of a page repeats nothing.
    let mut conversations = second
        .contacts()
        .with_flags(flags)
        .list("walker")
        .conversations();
    let mut seen = Vec::new();
    let mut resume = None;
    while let Some(c) = conversations.next().await {
        let c = c.expect("ok");
        seen.push(c.item);
        if c.page == 4 && c.last_in_page {
            resume = c.next;
            break;
        }
    }
    assert_eq!(conversations.cursor(), resume);
    let rest = second
        .contacts()
        .with_flags(flags)
        .list("walker")
        .resume(resume.expect("more pages"))
        .collect_all()
        .await
        .expect("the rest");
    seen.extend(rest);
    assert_eq!(peers(&seen), peers(&expected));
}

/// Every fault kind, injected twice (once for an expired UserSig) after the first page of a
/// walk: the walk completes with every conversation exactly once, and the emulator's log shows
/// the faults were served.
pub async fn faults_mid_walk(adapter: Adapter) {
    let env = adapter
        .start(emulator(50, &[("walker", conversations(600))]))
        .await;
    let expected = reference(&env, "walker", AssistFlags::default()).await;
    let mut policy = crate::fast_retries();
    policy.attempt_timeout = Some(Duration::from_millis(300));
    let client = env.client().retry(policy).build().expect("valid");
    let cases = [
        (Fault::ErrorCode(50004), 2),
        (Fault::ErrorCode(50005), 2),
        (Fault::ErrorCode(60008), 2),
        (Fault::ErrorCode(70202), 2),
        (Fault::HttpStatus(502), 2),
        (Fault::HttpStatus(503), 2),
        (Fault::HttpStatus(504), 2),
        (Fault::ErrorCode(60007), 2),
        (Fault::ErrorCode(60018), 2),
        (Fault::ErrorCode(70001), 1),
        (Fault::ErrorCode(70052), 1),
        (Fault::Drop, 2),
        (Fault::Truncate, 2),
        (Fault::Delay(Duration::from_millis(1500)), 2),
        (Fault::EmptyPage, 3),
    ];
    for (fault, count) in cases {
        let before = env.faults_injected();
        let mut pages = client.contacts().list("walker").pages();
        let mut items = pages.next().await.expect("page 1").expect("ok").items;
        env.with(|e| {
            e.faults().script_on(Some(GET_LIST), fault.clone(), count);
        });
        while let Some(page) = pages.next().await {
            let page = page.unwrap_or_else(|e| panic!("{fault:?}: {e} ({e:?})"));
            items.extend(page.items);
        }
        assert_eq!(peers(&items), peers(&expected), "{fault:?}");
        assert_eq!(
            env.faults_injected() - before,
            count as usize,
            "{fault:?} was served"
        );
    }
}

/// A UserSig that really expires mid-walk (the emulator's clock jumps past its expiry while
/// the client's cache still holds it): the client gets 70001, signs a new one, and the walk
/// completes.
pub async fn expired_usersig(adapter: Adapter) {
    let env = adapter
        .start(emulator(50, &[("walker", conversations(300))]))
        .await;
    let expected = reference(&env, "walker", AssistFlags::default()).await;
    let clock = ShiftedClock::default();
    clock.set_offset(-50);
    let client = env
        .client()
        .clock(clock.clone())
        .usersig_lifetime(100)
        .reuse_policy(tim_sig::ReusePolicy::new(0))
        .build()
        .expect("valid");
    let mut pages = client.contacts().list("walker").pages();
    let mut items = pages.next().await.expect("page 1").expect("ok").items;
    // The first UserSig was signed 50 s "ago" for 100 s; the emulator now lives 60 s ahead and
    // sees it expired, while the client (back on the real clock) still thinks it young.
    env.with(|e| e.set_clock_shift(60));
    clock.set_offset(0);
    while let Some(page) = pages.next().await {
        items.extend(page.expect("re-signed").items);
    }
    assert_eq!(peers(&items), peers(&expected));
    assert_eq!(env.answers_with(&[70001]), 1, "exactly one expired answer");
}

/// A stalled cursor mid-walk ends the stream with `CursorStalled` (not a hang); the stream's
/// cursor resumes the walk, and the parts make the list.
pub async fn stalled_cursor(adapter: Adapter) {
    let env = adapter
        .start(emulator(50, &[("walker", conversations(500))]))
        .await;
    let expected = reference(&env, "walker", AssistFlags::default()).await;
    let client = env.client().build().expect("valid");
    let mut pages = client.contacts().list("walker").pages();
    let mut items = Vec::new();
    for _ in 0..2 {
        items.extend(pages.next().await.expect("a page").expect("ok").items);
    }
    env.with(|e| {
        e.faults()
            .script_on(Some(GET_LIST), Fault::StalledCursor, 1);
    });
    let error = pages
        .next()
        .await
        .expect("an item")
        .expect_err("the cursor stalled");
    assert!(error.is_cursor_stalled(), "{error:?}");
    assert!(!error.is_retryable());
    assert!(pages.next().await.is_none(), "the stream ended");
    let cursor = pages.cursor().expect("resumable");
    let rest = client
        .contacts()
        .list("walker")
        .resume(cursor)
        .collect_all()
        .await
        .expect("the rest");
    items.extend(rest);
    assert_eq!(peers(&items), peers(&expected));
}

/// Many concurrent streams of one client stay under the emulator's 200 calls/s: zero
/// frequency-limit answers in its log. Run it with [`Adapter::run_exclusive`]. Without the client's limit, the same load is refused.
pub async fn concurrent_streams_under_limit(adapter: Adapter) {
    let accounts: Vec<String> = (0..6).map(|i| format!("busy{i}")).collect();
    let lists: Vec<(&str, _)> = accounts
        .iter()
        .map(|a| (a.as_str(), conversations(400)))
        .collect();
    let mut emulator: Emulator = emulator(10, &lists);
    emulator.set_rate_limit(Some(200));
    let env = adapter.start(emulator).await;

    let walk_all = |client: tim_client::Client| {
        let accounts = accounts.clone();
        async move {
            let walks = accounts
                .iter()
                .map(|a| client.contacts().list(a.clone()).collect_all());
            futures_util::future::join_all(walks).await
        }
    };
    // A 10 % margin (180 calls/s) instead of the default 2 %: a debug build on a loaded test
    // machine can stall the emulator's server thread for tens of milliseconds and then count a
    // backlog at once. The release benchmark (`benches/many_accounts.rs`) checks the default.
    let limit = RateLimit::default().with_margin_permille(100);
    let limited = env.client().rate_limit(limit).build().expect("valid");
    assert_eq!(limited.rate_limit(), Some(limit));
    for result in walk_all(limited).await {
        assert_eq!(result.expect("complete").len(), 400);
    }
    let calls = env.with(|e| e.log().len());
    assert!(calls >= 6 * 40, "{calls} calls");
    assert_eq!(
        env.answers_with(&FREQUENCY_LIMITS),
        0,
        "frequency limit hit"
    );

    // The check has teeth: without the client's limit the emulator refuses some calls. Shown
    // with six concurrent first pages against a limit of 3 calls/s, which no machine, however
    // loaded, can spread over two seconds (the whole walk at 200/s could be, on a loaded debug
    // build, and then proved nothing).
    env.with(|e| {
        e.clear_log();
        e.set_rate_limit(Some(3));
    });
    let unlimited = env.client().no_rate_limit().build().expect("valid");
    let first_pages = accounts
        .iter()
        .map(|a| unlimited.contacts().list(a.clone()).page());
    let _ = futures_util::future::join_all(first_pages).await;
    assert!(env.answers_with(&FREQUENCY_LIMITS) > 0, "no limit was hit");
}

/// The many-accounts stream over the demo's 1,000 users (lists of 0 to 1,900) plus one
/// account that does not exist: one result per account, each complete, the failure alone.
pub async fn many_accounts(adapter: Adapter) {
    let mut emulator = Emulator::demo(tim_emulator::Config::new(crate::SDK_APP_ID, KEY));
    emulator.set_rate_limit(None);
    let env = adapter.start(emulator).await;
    let client = env.client().no_rate_limit().build().expect("valid");
    let mut accounts: Vec<String> = (1..=1000).map(|n| format!("user{n:04}")).collect();
    accounts.insert(500, "ghost".to_owned());
    let mut results = client.contacts().for_accounts(accounts, 32);
    let mut seen = HashSet::new();
    let mut total = 0;
    while let Some((account, result)) = results.next().await {
        assert!(seen.insert(account.clone()), "{account} twice");
        if account == "ghost" {
            let error = result.expect_err("not imported");
            assert_eq!(error.api_code(), Some(ErrorCode::CONV_ACCOUNT_NOT_FOUND));
            continue;
        }
        let n: u32 = account[4..].parse().expect("userNNNN");
        let items = result.unwrap_or_else(|e| panic!("{account}: {e}"));
        assert_eq!(items.len(), demo::user_list_len(n), "{account}");
        assert_unique(&items);
        total += items.len();
    }
    assert_eq!(seen.len(), 1001);
    assert!(total > 100_000, "{total}");

    // The page-wise variant over a few accounts: every page once, in order per account.
    let accounts = ["user0100", "user0007", "user0200"];
    let mut per_account = std::collections::HashMap::<String, Vec<SessionItem>>::new();
    let mut pages = client.contacts().for_accounts_pages(accounts, 2);
    while let Some((account, page)) = pages.next().await {
        per_account
            .entry(account)
            .or_default()
            .extend(page.expect("ok").items);
    }
    for account in accounts {
        let whole = client
            .contacts()
            .list(account)
            .collect_all()
            .await
            .expect("ok");
        assert_eq!(per_account[account], whole, "{account}");
    }
}

/// Delete removes a conversation, and deleting it again succeeds (which is what makes retrying
/// a delete safe).
pub async fn delete(adapter: Adapter) {
    let env = adapter
        .start(emulator(100, &[("walker", conversations(30))]))
        .await;
    let client = env.client().build().expect("valid");
    let contacts = client.contacts();
    for _ in 0..2 {
        contacts
            .delete("walker", DeleteTarget::C2c("user000001".into()))
            .await
            .expect("deleted");
        contacts
            .delete("walker", DeleteTarget::Group("group000003".into()))
            .await
            .expect("deleted");
    }
    let left = contacts.list("walker").collect_all().await.expect("ok");
    assert_eq!(left.len(), 28);
    assert!(env.with(|e| {
        e.data()
            .conversation("walker", Kind::C2c, "user000001")
            .is_none()
    }));
    let error = contacts
        .delete("nobody", DeleteTarget::C2c("x".into()))
        .await
        .expect_err("not imported");
    assert!(matches!(error, Error::Api(_)) && !error.is_retryable());
}

/// Whether `text` contains something shaped like a UserSig: a run of at least 80 characters
/// of the UserSig alphabet (`A-Z a-z 0-9 * - _`; a UserSig is 150 or more).
pub fn contains_usersig(text: &str) -> bool {
    text.as_bytes()
        .split(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'*' | b'-' | b'_')))
        .any(|run| run.len() >= 80)
}

/// The lines of `text` that [`contains_usersig`] flags (for the failure message).
fn leak_context(text: &str) -> String {
    text.lines()
        .filter(|l| contains_usersig(l))
        .take(3)
        .collect::<Vec<_>>()
        .join("\n")
}

/// A walk with retries (502, transient code, dropped connection) and a re-sign, logged at
/// TRACE with span events by the global subscriber of [`crate::LogCapture`]: tim's own log is full of the walk, yet
/// holds no UserSig and not the key;
/// neither do the errors of a failed call.
pub async fn secrets_stay_out_of_logs(adapter: Adapter) {
    let sample = tim_sig::sign(
        &tim_sig::SecretKey::new(KEY),
        &tim_sig::Claims::new(crate::SDK_APP_ID, "administrator", 1_700_000_000, 86_400),
    );
    assert!(contains_usersig(sample.expose()), "the detector detects");
    let capture = crate::LogCapture::global();
    capture.clear();

    let env = adapter
        .start(emulator(40, &[("walker", conversations(200))]))
        .await;
    let client = env.client().build().expect("valid");
    let mut pages = client.contacts().list("walker").pages();
    let mut count = pages.next().await.expect("page").expect("ok").items.len();
    env.with(|e| {
        let f = e.faults();
        f.script_on(Some(GET_LIST), Fault::HttpStatus(502), 1);
        f.script_on(Some(GET_LIST), Fault::ErrorCode(50004), 1);
        f.script_on(Some(GET_LIST), Fault::Drop, 1);
        f.script_on(Some(GET_LIST), Fault::ErrorCode(70001), 1);
    });
    while let Some(page) = pages.next().await {
        count += page.expect("ok").items.len();
    }
    assert_eq!(count, 200);
    env.with(|e| {
        e.faults()
            .script_on(Some(GET_LIST), Fault::ErrorCode(70009), 1);
    });
    let error = client
        .contacts()
        .list("walker")
        .collect_all()
        .await
        .expect_err("wrong key");
    let error_text = format!("{error} {error:?} {client:?}");

    let log = capture.tim();
    let everything = capture.all();
    for needle in [
        "tim.call",
        "tim.page",
        "retrying",
        "signing a new one",
        "70009",
    ] {
        assert!(
            log.contains(needle),
            "{needle:?} missing from the log:\n{log}"
        );
    }
    for text in [&log, &error_text] {
        assert!(
            !contains_usersig(text),
            "a UserSig leaked: {}",
            leak_context(text)
        );
        assert!(!text.contains(KEY), "the key leaked");
    }
    // Everything at TRACE but isahc below INFO (what the CLI does, and what the isahc adapter's
    // docs tell library users): no secret from any stack.
    let filtered = capture.filtered();
    assert!(
        filtered.contains("tim.call"),
        "the filtered log has the tim spans"
    );
    assert!(!filtered.contains(KEY), "the key leaked");
    assert!(
        !contains_usersig(&filtered),
        "a UserSig leaked past the recommended filter: {}",
        leak_context(&filtered)
    );
    // The libraries under the transports log on their own. isahc 2.0.2 puts the request URI,
    // UserSig included, into its DEBUG span `send_async`: a known leak of that library, not
    // of tim's code, which filtering `isahc=info` avoids. Every other stack logs no UserSig.
    assert!(!everything.contains(KEY), "the key leaked");
    let leaks: Vec<&str> = everything.lines().filter(|l| contains_usersig(l)).collect();
    if adapter == Adapter::Isahc {
        assert!(
            leaks.iter().all(|l| l.contains("send_async{")),
            "an unexpected UserSig leak: {}",
            leak_context(&everything)
        );
    } else {
        assert!(
            leaks.is_empty(),
            "a UserSig leaked: {}",
            leak_context(&everything)
        );
    }
}

/// With a closed port as the primary domain and the emulator as the backup, walks go to the
/// backup at once; once a server comes up on the primary's port and the failback time has
/// passed, they go to the primary again. Loopback adapters only (in process, there is no
/// connection to refuse).
pub async fn failover_to_backup_and_back(adapter: Adapter) {
    if adapter == Adapter::InProcess {
        return;
    }
    let lists = [("walker", conversations(120))];
    let backup = adapter.start(emulator(50, &lists)).await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let client = backup
        .client()
        .base_url(&format!("http://{closed}"))
        .failover(tim_proto::BaseUrl::custom(backup.base_url()).expect("valid"))
        .failback_after(Duration::from_millis(300))
        .build()
        .expect("valid");
    let all = client.contacts().list("walker").collect_all().await;
    assert_eq!(all.expect("through the backup").len(), 120);
    let on_backup = backup.with(|e| e.log().len());
    assert_eq!(on_backup, 3, "three pages from the backup");

    let primary = adapter.start_at(emulator(50, &lists), closed).await;
    tim_client::SystemClock
        .sleep(Duration::from_millis(350))
        .await;
    let all = client.contacts().list("walker").collect_all().await;
    assert_eq!(all.expect("through the primary").len(), 120);
    assert_eq!(primary.with(|e| e.log().len()), 3, "back on the primary");
    assert_eq!(backup.with(|e| e.log().len()), on_backup);
}
