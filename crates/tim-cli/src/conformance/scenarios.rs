//! The scenarios of `tim conformance client`: the data every scenario serves, and per scenario
//! the faults injected and what passes. `docs/conformance.md` has the same table for people.

use tim_emulator::{Conversation, Kind};

/// The account whose list every scenario walks (`TIM_ACCOUNT`).
pub(crate) const ACCOUNT: &str = "conformance_walker";
/// The App admin the client must call as (`TIM_ADMIN`).
pub(crate) const ADMIN: &str = "conformance_admin";
/// The emulated SDKAppID (`TIM_SDKAPPID`).
pub(crate) const SDKAPPID: u64 = 1_400_000_001;
/// The get_list page size: the list is three pages long.
pub(crate) const PAGE_SIZE: usize = 4;
/// The attempt timeout the client is asked to use (`TIM_TIMEOUT_MS`).
pub(crate) const CLIENT_TIMEOUT_MS: u64 = 2_000;
/// The least wait after a failed answer before the next request (no tight loop).
pub(crate) const MIN_RETRY_GAP_MS: u64 = 20;
/// The least wait after a frequency-limit answer (60007) before the next request.
pub(crate) const MIN_THROTTLED_GAP_MS: u64 = 200;
/// The most requests a recoverable scenario may take (a loop guard; the cursor rules fix the
/// exact number anyway).
pub(crate) const MAX_REQUESTS_RECOVERABLE: usize = 50;
/// The most requests a hopeless scenario may take before the client gives up.
pub(crate) const MAX_REQUESTS_HOPELESS: usize = 12;

/// The conversations of [`ACCOUNT`]: ten, three pages at [`PAGE_SIZE`], one-to-one and group,
/// two pinned, two with the same `MsgTime`, one peer id outside ASCII. None is empty, so every
/// `AssistFlags` a client may send serves all ten.
pub(crate) fn conversations() -> Vec<Conversation> {
    let t = 1_700_000_000;
    vec![
        Conversation::new(Kind::C2c, "user_a", t + 900).pinned(),
        Conversation::new(Kind::Group, "@TGS#conform_1", t + 800).pinned(),
        Conversation::new(Kind::C2c, "user_b", t + 700),
        Conversation::new(Kind::C2c, "user_c", t + 700),
        Conversation::new(Kind::Group, "@TGS#conform_2", t + 600),
        Conversation::new(Kind::C2c, "张三", t + 500),
        Conversation::new(Kind::C2c, "user_d", t + 400),
        Conversation::new(Kind::Group, "@TGS#conform_3", t + 300),
        Conversation::new(Kind::C2c, "user_e", t + 200),
        Conversation::new(Kind::C2c, "user_f", t + 100),
    ]
}

/// What a scenario asks of the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Expect {
    /// The walk can succeed: exit 0 with every conversation exactly once.
    Complete,
    /// The walk cannot succeed: end in time, without a tight loop, with a nonzero status.
    GiveUp,
}

/// A check beyond the rules every scenario applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Special {
    None,
    /// After the 60007 answer the client waits at least [`MIN_THROTTLED_GAP_MS`].
    Throttled,
    /// The client gives up on the slow answer (times out) and re-sends before it is due.
    SlowReply,
    /// The item of unknown `Type` is printed at most once (printing it is optional).
    UnknownItem,
}

/// One scenario.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scenario {
    pub(crate) name: &'static str,
    /// What is injected, for people.
    pub(crate) injected: &'static str,
    /// What passes, for people (beside the rules every scenario applies).
    pub(crate) passes: &'static str,
    /// Fault specs, applied in order to get_list (`api=recentcontact/get_list` is added).
    pub(crate) faults: &'static [&'static str],
    pub(crate) expect: Expect,
    pub(crate) special: Special,
}

/// Every scenario, in the order they run.
pub(crate) const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "clean-walk",
        injected: "nothing: three pages",
        passes: "every conversation once, exit 0",
        faults: &[],
        expect: Expect::Complete,
        special: Special::None,
    },
    Scenario {
        name: "empty-pages",
        injected: "pages 2 and 3 answer no items with CompleteFlag 0 and a moved cursor",
        passes: "the client follows the moved cursors past the empty pages: every conversation once, exit 0",
        faults: &["pass", "empty,count=2"],
        expect: Expect::Complete,
        special: Special::None,
    },
    Scenario {
        name: "transient-codes",
        injected: "page 2 answers ErrorCode 50004, then 70169",
        passes: "the same cursor re-sent after each, with a pause: every conversation once, exit 0",
        faults: &["pass", "code=50004", "code=70169"],
        expect: Expect::Complete,
        special: Special::None,
    },
    Scenario {
        name: "http-502",
        injected: "page 2 answers HTTP 502 with an nginx HTML page, twice",
        passes: "the same cursor re-sent after each, with a pause: every conversation once, exit 0",
        faults: &["pass", "status=502,count=2"],
        expect: Expect::Complete,
        special: Special::None,
    },
    Scenario {
        name: "throttled",
        injected: "page 2 answers ErrorCode 60007 (frequency limit)",
        passes: "the same cursor re-sent at least 200 ms later: every conversation once, exit 0",
        faults: &["pass", "code=60007"],
        expect: Expect::Complete,
        special: Special::Throttled,
    },
    Scenario {
        name: "usersig-expiry",
        injected: "page 2 answers 70001 (UserSig expired); every UserSig issued up to then stays expired",
        passes: "a new UserSig signed from TIM_KEY, the same cursor re-sent: every conversation once, exit 0",
        faults: &["pass", "expire-usersig"],
        expect: Expect::Complete,
        special: Special::None,
    },
    Scenario {
        name: "slow-reply",
        injected: "page 2 answers after 10 s (TIM_TIMEOUT_MS is 2000)",
        passes: "the client times out and re-sends the same cursor before the slow answer is due: every conversation once, exit 0",
        faults: &["pass", "delay=10s"],
        expect: Expect::Complete,
        special: Special::SlowReply,
    },
    Scenario {
        name: "stalled-cursor",
        injected: "from page 2 on, every answer echoes the request's cursor with CompleteFlag 0",
        passes: "the client stops (nonzero exit) within the bound, with at most 12 requests",
        faults: &["pass", "stall,rate=1"],
        expect: Expect::GiveUp,
        special: Special::None,
    },
    Scenario {
        name: "permanent-error",
        injected: "from page 2 on, every answer is ErrorCode 50002 (invalid parameters)",
        passes: "the client stops (nonzero exit) within the bound, with at most 12 requests",
        faults: &["pass", "code=50002,rate=1"],
        expect: Expect::GiveUp,
        special: Special::None,
    },
    Scenario {
        name: "endless-502",
        injected: "from page 2 on, every answer is HTTP 502",
        passes: "the client gives up (nonzero exit) within the bound, with at most 12 requests, pausing between them",
        faults: &["pass", "status=502,rate=1"],
        expect: Expect::GiveUp,
        special: Special::None,
    },
    Scenario {
        name: "unknown-type",
        injected: "page 2 carries an extra item of Type 99 in its middle",
        passes: "every known conversation once, exit 0; the Type 99 item printed at most once",
        faults: &["pass", "unknown-item"],
        expect: Expect::Complete,
        special: Special::UnknownItem,
    },
    Scenario {
        name: "unknown-fields",
        injected: "every item and every envelope carries fields no client knows",
        passes: "every conversation once, exit 0",
        faults: &["extra-fields,rate=1"],
        expect: Expect::Complete,
        special: Special::None,
    },
];

/// The scenario called `name`.
pub(crate) fn find(name: &str) -> Option<&'static Scenario> {
    SCENARIOS.iter().find(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_spec_parses_and_names_are_unique() {
        let mut names = std::collections::HashSet::new();
        for s in SCENARIOS {
            assert!(names.insert(s.name), "{} twice", s.name);
            let mut faults = tim_emulator::Faults::new(0);
            for spec in s.faults {
                faults
                    .apply_spec(&format!("{spec},api=recentcontact/get_list"))
                    .unwrap_or_else(|e| panic!("{}: {spec}: {e}", s.name));
            }
        }
        assert_eq!(SCENARIOS.len(), 12);
    }
}
