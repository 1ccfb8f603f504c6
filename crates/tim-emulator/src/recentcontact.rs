//! `recentcontact/*` as the emulator answers it: `get_list` (paged, both cursors) and `delete`
//! here, the conversation group and mark calls in [`crate::contact_groups`]. See
//! `docs/protocol/get_list.md` and `docs/protocol/delete.md` for what the service does.
//!
//! Deleting a conversation keeps its groups and marks (they are independent of the list, as the
//! service documents): they show again if the conversation comes back.

use bytes::Bytes;
use serde::Serialize;
use serde_json::Value;

use crate::api::{ApiFailure, ApiSpec, CallContext, fail, string_field, uint_field};
use crate::codes;
use crate::contact_groups;
use crate::openapi as oa;
use crate::paging::{self, Cursor};
use crate::store::{Kind, Store};
use crate::wire::{ok_envelope, to_json};

/// The APIs of this family in the emulator's table: the list calls, then the group and mark
/// calls of [`crate::contact_groups`].
pub(crate) const APIS: &[ApiSpec] = &[
    ApiSpec::new("recentcontact/get_list", get_list)
        .paged()
        .schemas(oa::get_list_request, oa::get_list_response),
    ApiSpec::new("recentcontact/delete", delete).schemas(oa::delete_request, oa::envelope_response),
    ApiSpec::new("recentcontact/create_contact_group", contact_groups::create)
        .schemas(oa::create_group_request, oa::create_group_response),
    ApiSpec::new("recentcontact/update_contact_group", contact_groups::update)
        .schemas(oa::update_group_request, oa::update_group_response),
    ApiSpec::new("recentcontact/del_contact_group", contact_groups::delete)
        .schemas(oa::del_group_request, oa::del_group_response),
    ApiSpec::new("recentcontact/get_contact_group", contact_groups::get)
        .paged()
        .schemas(oa::get_group_request, oa::get_group_response),
    ApiSpec::new("recentcontact/search_contact_group", contact_groups::search)
        .schemas(oa::search_group_request, oa::search_group_response),
    ApiSpec::new("recentcontact/mark_contact", contact_groups::mark)
        .schemas(oa::mark_request, oa::mark_response),
];

fn get_list(store: &mut Store, body: &Value, ctx: &CallContext) -> Result<Bytes, ApiFailure> {
    let from = string_field(body, "From_Account")?;
    let cursor = Cursor {
        time_stamp: uint_field(body, "TimeStamp")?,
        start_index: uint_field(body, "StartIndex")?,
        top_time_stamp: uint_field(body, "TopTimeStamp")?,
        top_start_index: uint_field(body, "TopStartIndex")?,
    };
    let flags = uint_field(body, "AssistFlags")?;
    if !store.is_account(from) {
        return Err(fail(codes::ACCOUNT_NOT_IMPORTED, format_args!("{from:?}")));
    }
    let page = paging::page(
        store.list(from),
        store.revision(),
        flags,
        cursor,
        ctx.page_size,
        ctx.page_fault,
    )
    .map_err(|e| {
        fail(
            codes::INVALID_PARAMETER,
            format_args!("{} out of range", e.0),
        )
    })?;
    let marks = flags & paging::MARKS != 0;
    let items: Vec<Item<'_>> = page
        .items
        .iter()
        .map(|e| {
            let c = &e.conv;
            Item {
                kind: c.kind.wire(),
                to_account: (c.kind == Kind::C2c).then_some(c.peer.as_str()),
                group_id: (c.kind == Kind::Group).then_some(c.peer.as_str()),
                msg_time: c.msg_time,
                top_flag: u8::from(c.pinned),
                standard_mark: c.standard_mark.as_deref().filter(|_| marks),
                custom_mark: c.custom_mark.as_deref().filter(|_| marks),
                contact_group_id: c.contact_group_ids.as_deref().filter(|_| marks),
            }
        })
        .collect();
    let out = GetListOut {
        items,
        complete_flag: u8::from(page.complete),
        time_stamp: page.cursor.time_stamp,
        start_index: page.cursor.start_index,
        top_time_stamp: page.cursor.top_time_stamp,
        top_start_index: page.cursor.top_start_index,
        action_status: "OK",
        error_code: 0,
        error_info: "",
        error_display: "",
    };
    Ok(to_json(&out))
}

fn delete(store: &mut Store, body: &Value, _: &CallContext) -> Result<Bytes, ApiFailure> {
    let from = string_field(body, "From_Account")?;
    let kind = uint_field(body, "Type")?;
    let kind = Kind::from_wire(kind)
        .ok_or_else(|| fail(codes::INVALID_PARAMETER, "Type must be 1 or 2"))?;
    let peer = match kind {
        Kind::C2c => string_field(body, "To_Account")?,
        _ => string_field(body, "ToGroupid")?,
    };
    match body.get("ClearRamble") {
        None => {}
        Some(v) if matches!(v.as_u64(), Some(0 | 1)) => {}
        Some(_) => return Err(fail(codes::INVALID_PARAMETER, "ClearRamble must be 0 or 1")),
    }
    if !store.is_account(from) {
        return Err(fail(codes::ACCOUNT_NOT_IMPORTED, format_args!("{from:?}")));
    }
    store.delete(from, kind, peer);
    Ok(ok_envelope())
}

#[derive(Serialize)]
struct Item<'a> {
    #[serde(rename = "Type")]
    kind: u64,
    #[serde(rename = "To_Account", skip_serializing_if = "Option::is_none")]
    to_account: Option<&'a str>,
    #[serde(rename = "GroupId", skip_serializing_if = "Option::is_none")]
    group_id: Option<&'a str>,
    #[serde(rename = "MsgTime")]
    msg_time: u64,
    #[serde(rename = "TopFlag")]
    top_flag: u8,
    #[serde(rename = "StandardMark", skip_serializing_if = "Option::is_none")]
    standard_mark: Option<&'a str>,
    #[serde(rename = "CustomMark", skip_serializing_if = "Option::is_none")]
    custom_mark: Option<&'a str>,
    #[serde(rename = "ContactGroupId", skip_serializing_if = "Option::is_none")]
    contact_group_id: Option<&'a [u64]>,
}

#[derive(Serialize)]
struct GetListOut<'a> {
    #[serde(rename = "SessionItem")]
    items: Vec<Item<'a>>,
    #[serde(rename = "CompleteFlag")]
    complete_flag: u8,
    #[serde(rename = "TimeStamp")]
    time_stamp: u64,
    #[serde(rename = "StartIndex")]
    start_index: u64,
    #[serde(rename = "TopTimeStamp")]
    top_time_stamp: u64,
    #[serde(rename = "TopStartIndex")]
    top_start_index: u64,
    #[serde(rename = "ActionStatus")]
    action_status: &'static str,
    #[serde(rename = "ErrorCode")]
    error_code: i64,
    #[serde(rename = "ErrorInfo")]
    error_info: &'static str,
    #[serde(rename = "ErrorDisplay")]
    error_display: &'static str,
}
