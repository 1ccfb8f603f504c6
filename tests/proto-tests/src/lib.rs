//! Shared helpers for the tim-proto workspace tests: a reference model of the `get_list` server.
//!
//! The model is deliberately simple (offsets, not keys) and independent of `tim-emulator`: it
//! serves a fixed list in a known order so that the pager can be checked against it.

use serde_json::json;
use tim_proto::recent_contact::{AssistFlags, GetListRequest, GetListResponse};

/// One conversation of the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelSession {
    /// A unique id; odd ids are groups, even ids one-to-one.
    pub id: u32,
    /// `MsgTime`.
    pub msg_time: u64,
    /// Pinned or not.
    pub pinned: bool,
    /// An empty conversation (returned only with `AssistFlags::EMPTY`).
    pub empty: bool,
}

impl ModelSession {
    /// The peer id the model writes on the wire.
    pub fn peer(&self) -> String {
        format!("peer{}", self.id)
    }
}

/// How the model serves pages.
#[derive(Clone, Debug)]
pub struct ModelServer {
    /// The whole list, in no particular order.
    pub sessions: Vec<ModelSession>,
    /// Items per page (at least 1).
    pub page_size: usize,
    /// Serve an empty page (with a moved cursor) after every page that had items.
    pub empty_pages: bool,
    /// Answer the page with this number (1-based) with the request's own cursor and
    /// `CompleteFlag` 0.
    pub stall_at: Option<u64>,
    /// Pages served so far.
    pub served: u64,
    /// Requests received after the model answered `CompleteFlag` 1 (a correct client sends none).
    pub after_complete: u64,
    /// Whether the model has answered `CompleteFlag` 1.
    pub completed: bool,
}

impl ModelServer {
    /// The order the model serves for `flags`: pinned first (when `PINNED`), newest first, ties by
    /// id; empty conversations only with `EMPTY`.
    pub fn expected(&self, flags: AssistFlags) -> (Vec<ModelSession>, Vec<ModelSession>) {
        let mut visible: Vec<ModelSession> = self
            .sessions
            .iter()
            .filter(|s| !s.empty || flags.contains(AssistFlags::EMPTY))
            .cloned()
            .collect();
        visible.sort_by(|a, b| b.msg_time.cmp(&a.msg_time).then(a.id.cmp(&b.id)));
        if flags.contains(AssistFlags::PINNED) {
            let (pinned, normal) = visible.into_iter().partition(|s| s.pinned);
            (pinned, normal)
        } else {
            (Vec::new(), visible)
        }
    }

    /// How many pages a walk of this list takes, computed from the list's shape alone (not by
    /// serving it): pinned and normal conversations packed `page_size` to a page, except that
    /// without `PAGINATE_PINNED` the first page holds every pinned one; with `empty_pages`, an
    /// empty page follows every page but the last.
    pub fn expected_pages(&self, flags: AssistFlags) -> u64 {
        let (pinned, normal) = self.expected(flags);
        let (p, n, s) = (pinned.len(), normal.len(), self.page_size);
        let real = if p == 0 || flags.contains(AssistFlags::PAGINATE_PINNED) {
            (p + n).div_ceil(s).max(1)
        } else {
            let first_normal = s.saturating_sub(p).min(n);
            1 + (n - first_normal).div_ceil(s)
        } as u64;
        if self.empty_pages { 2 * real - 1 } else { real }
    }

    /// A server for `sessions` with nothing served yet.
    pub fn new(
        sessions: Vec<ModelSession>,
        page_size: usize,
        empty_pages: bool,
        stall_at: Option<u64>,
    ) -> Self {
        ModelServer {
            sessions,
            page_size,
            empty_pages,
            stall_at,
            served: 0,
            after_complete: 0,
            completed: false,
        }
    }

    /// The model's whole answer order.
    pub fn order(&self, flags: AssistFlags) -> Vec<String> {
        let (pinned, normal) = self.expected(flags);
        pinned
            .iter()
            .chain(&normal)
            .map(ModelSession::peer)
            .collect()
    }

    /// Serves one request. The cursor is `TimeStamp` = serial of the page served (so an empty
    /// page still moves it), `StartIndex` = offset into the normal list, `TopTimeStamp` = the
    /// same serial, `TopStartIndex` = offset into the pinned list.
    pub fn serve(&mut self, request: &GetListRequest) -> GetListResponse {
        self.served += 1;
        if self.completed {
            self.after_complete += 1;
        }
        let flags = request.assist_flags;
        let (pinned, normal) = self.expected(flags);
        let mut top = request.top_start_index as usize;
        let mut idx = request.start_index as usize;
        let serial = request.time_stamp.max(request.top_time_stamp);
        if self.stall_at == Some(self.served) {
            return response(
                &[],
                0,
                [
                    request.time_stamp,
                    request.start_index,
                    request.top_time_stamp,
                    request.top_start_index,
                ],
            );
        }
        // With `empty_pages`, odd serials are empty pages: real and empty pages alternate.
        let wants_empty = self.empty_pages && serial % 2 == 1;
        let mut items = Vec::new();
        if !wants_empty {
            let paginate_pinned = flags.contains(AssistFlags::PAGINATE_PINNED);
            if top < pinned.len() {
                let take = if paginate_pinned {
                    self.page_size
                } else {
                    pinned.len()
                };
                let end = (top + take).min(pinned.len());
                items.extend(pinned[top..end].iter().cloned());
                top = end;
            }
            if items.len() < self.page_size && top >= pinned.len() {
                let end = (idx + self.page_size - items.len()).min(normal.len());
                items.extend(normal[idx..end].iter().cloned());
                idx = end;
            }
        }
        let complete = top >= pinned.len() && idx >= normal.len();
        self.completed |= complete;
        let next_serial = serial + 1;
        response(
            &items,
            u32::from(complete),
            [next_serial, idx as u64, next_serial, top as u64],
        )
    }
}

fn response(items: &[ModelSession], complete: u32, cursor: [u64; 4]) -> GetListResponse {
    let items: Vec<_> = items
        .iter()
        .map(|s| {
            if s.id % 2 == 1 {
                json!({"Type": 2, "GroupId": s.peer(), "MsgTime": s.msg_time, "TopFlag": u8::from(s.pinned)})
            } else {
                json!({"Type": 1, "To_Account": s.peer(), "MsgTime": s.msg_time, "TopFlag": u8::from(s.pinned)})
            }
        })
        .collect();
    let body = json!({
        "SessionItem": items,
        "CompleteFlag": complete,
        "TimeStamp": cursor[0],
        "StartIndex": cursor[1],
        "TopTimeStamp": cursor[2],
        "TopStartIndex": cursor[3],
        "ActionStatus": "OK",
        "ErrorCode": 0,
        "ErrorInfo": "",
        "ErrorDisplay": ""
    });
    // The model speaks the wire: go through JSON as a real response would.
    serde_json::from_value(body).expect("the model writes valid responses")
}
