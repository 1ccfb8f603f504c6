//! A synthetic paged call, `synthetic/list_peers`, declared here the way a library author
//! declares a call tim does not have, to prove that every layer is generic: `tim-proto`'s pager
//! does not know get_list, `tim-client`'s streams do not, and the emulator's table serves it.
//!
//! The call pages an account's conversation peers by one cursor, `Offset` → `NextOffset`, and ends
//! with `Done: 1`. The emulator's handler answers it from the emulator's own data, and applies
//! the paging faults: a stalled cursor echoes `Offset`; an empty page answers no peers and moves
//! the cursor to a new epoch (`Offset + 2^40`) so that nothing is lost.

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tim_emulator::Store;
use tim_emulator::api::{ApiFailure, ApiSpec, CallContext, PageFault, account_field, uint_field};
use tim_proto::pager::{PageError, PagedRequest, complete_flag_step};
use tim_proto::{ApiPath, ApiRequest, Idempotency};

/// `synthetic/list_peers`: a page of an account's peers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListPeers {
    /// `From_Account`.
    #[serde(rename = "From_Account")]
    pub from_account: String,
    /// `Offset`: 0 on the first page, then the previous `NextOffset`.
    #[serde(rename = "Offset")]
    pub offset: u64,
}

impl ApiRequest for ListPeers {
    const PATH: ApiPath = ApiPath::new("synthetic", "list_peers");
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;
    type Response = ListPeersResponse;
}

tim_proto::api_response! {
    /// The answer to [`ListPeers`].
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct ListPeersResponse {
        /// `Peers`.
        #[serde(rename = "Peers", default)]
        pub peers: Vec<String>,
        /// `Done`: 1 at the end.
        #[serde(rename = "Done")]
        pub done: u32,
        /// `NextOffset`.
        #[serde(rename = "NextOffset", default)]
        pub next_offset: Option<u64>,
    }
}

/// The one cursor of [`ListPeers`], text form `o1.<Offset>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Offset(pub u64);

impl std::fmt::Display for Offset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&tim_proto::pager::cursor_text("o1", &[self.0]))
    }
}

impl std::str::FromStr for Offset {
    type Err = tim_proto::pager::CursorParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let [offset] = tim_proto::pager::parse_cursor_text(s, "o1", "o1.<Offset>")?;
        Ok(Offset(offset))
    }
}

impl PagedRequest for ListPeers {
    type Cursor = Offset;
    type Item = String;

    fn cursor(&self) -> Offset {
        Offset(self.offset)
    }

    fn set_cursor(&mut self, cursor: &Offset) {
        self.offset = cursor.0;
    }

    fn into_page(response: ListPeersResponse) -> Result<(Vec<String>, Option<Offset>), PageError> {
        let next = complete_flag_step(response.done, response.next_offset.map(Offset))?;
        Ok((response.peers, next))
    }
}

/// The epoch band of an offset: empty pages move to the next band.
pub const EPOCH: u64 = 1 << 40;

/// The emulator's handler of [`ListPeers`].
///
/// # Errors
///
/// The service's answers for a bad body or an unknown account.
pub fn handle(store: &mut Store, body: &Value, ctx: &CallContext) -> Result<Bytes, ApiFailure> {
    let account = account_field(store, body, "From_Account")?;
    let cursor = uint_field(body, "Offset")?;
    let offset = usize::try_from(cursor % EPOCH).unwrap_or(usize::MAX);
    let peers: Vec<String> = store
        .conversations(account)
        .into_iter()
        .map(|c| c.peer)
        .collect();
    let (items, next, done): (&[String], u64, bool) = match ctx.page_fault {
        PageFault::Stalled => (&[], cursor, false),
        PageFault::Empty => (&[], cursor + EPOCH, false),
        _ => {
            let start = offset.min(peers.len());
            let end = start.saturating_add(ctx.page_size).min(peers.len());
            let next = (cursor - cursor % EPOCH) + end as u64;
            (&peers[start..end], next, end == peers.len())
        }
    };
    let answer = json!({
        "Peers": items,
        "Done": u8::from(done),
        "NextOffset": next,
        "ActionStatus": "OK",
        "ErrorCode": 0,
    });
    Ok(Bytes::from(serde_json::to_vec(&answer).unwrap_or_default()))
}

/// The emulator's table entry of [`ListPeers`].
pub const SPEC: ApiSpec = ApiSpec::new("synthetic/list_peers", handle).paged();
