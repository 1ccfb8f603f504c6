//! `v4/recentcontact/*`, the rest of the family: conversation groups (`create_contact_group`,
//! `update_contact_group`, `del_contact_group`, `get_contact_group`, `search_contact_group`) and
//! conversation marks (`mark_contact`).
//!
//! Wire names are kept exactly; Rust names are snake_case. Each call has its page in
//! `docs/protocol/` (`create_contact_group.md`, `update_contact_group.md`,
//! `del_contact_group.md`, `get_contact_group.md`, `search_contact_group.md`, `mark_contact.md`)
//! with its fields, limits, codes, sources and what tim decided; the family's common rules are in
//! `docs/protocol/contact-groups-and-marks.md`.
//!
//! * A conversation is a [`ContactItem`]: `Type` 1 with `To_Account`, or `Type` 2 with
//!   **`ToGroupId`** (get_list's items say `GroupId`, delete says `ToGroupid`: the casing differs
//!   across the family, and each call is written as its page documents it).
//! * The calls that change several conversations answer `ActionStatus: OK` with a result per
//!   conversation ([`ContactResult`]); a conversation whose `ResultCode` is not 0 was not changed.
//!   Every such response has `partial_failures()`, and is `#[must_use]`.
//! * [`StandardMarks`] is the typed set of standard-mark bits: `SetMark`/`ClearMark` carry bit
//!   indices, and `StandardMark` in answers is a bit string whose **last character is bit 0**.

use std::fmt;
use std::str::FromStr;

use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::call::{ApiRequest, Idempotency};
use crate::endpoint::ApiPath;
use crate::envelope::ApiError;
use crate::error_code::ErrorCode;
use crate::pager::{self, CursorParseError, PageError, PagedRequest};

/// At most 20 conversation groups per account (51010).
pub const MAX_GROUPS: usize = 20;
/// A group name is at most 32 bytes (51011).
pub const MAX_GROUP_NAME_BYTES: usize = 32;
/// At most 100 items per `mark_contact` call (51006).
pub const MAX_MARK_ITEMS: usize = 100;
/// At most 300 conversations per `search_contact_group` call.
pub const MAX_SEARCH_ITEMS: usize = 300;
/// At most 1000 conversations in groups, and 1000 with marks (51008).
pub const MAX_GROUPED_CONVERSATIONS: usize = 1000;

crate::wire_item! {
    /// A conversation as the group and mark calls name it (`ContactItem`): a one-to-one peer or
    /// a group, or, in an answer, a kind this crate does not know, kept whole.
    ///
    /// `Type` is read leniently (`1` or `"1"`): the pages type it as a string while their
    /// samples send integers. The group id is `ToGroupId` on these calls.
    ///
    /// ```
    /// use tim_proto::contact_group::ContactItem;
    ///
    /// let bob = ContactItem::c2c("bob");
    /// assert_eq!(serde_json::to_string(&bob)?, r#"{"Type":1,"To_Account":"bob"}"#);
    /// let group: ContactItem = serde_json::from_str(r#"{"Type":"2","ToGroupId":"@TGS#1"}"#)?;
    /// assert_eq!(group, ContactItem::group("@TGS#1"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[non_exhaustive]
    pub enum ContactItem {
        tag "Type" (lenient);
        /// Any other `Type`, or a known one without its id field: the item as received.
        _ => Unknown(UnknownContact { kind }),
        /// `Type` 1 with `To_Account`: a one-to-one conversation.
        1 => C2c(C2cContact { "To_Account" => to_account }),
        /// `Type` 2 with `ToGroupId`: a group conversation.
        2 => Group(GroupContact { "ToGroupId" => to_group_id }),
    }
    /// What a `ContactItem` carries besides its kind and id: nothing documented; unknown fields
    /// are kept.
    pub struct ContactMeta {}
}

impl ContactItem {
    /// A one-to-one conversation with `account`.
    pub fn c2c(account: impl Into<String>) -> Self {
        ContactItem::C2c(C2cContact {
            to_account: account.into(),
            meta: ContactMeta::default(),
        })
    }

    /// A group conversation of the group `group_id`.
    pub fn group(group_id: impl Into<String>) -> Self {
        ContactItem::Group(GroupContact {
            to_group_id: group_id.into(),
            meta: ContactMeta::default(),
        })
    }

    /// Whether `self` and `other` name the same conversation (same kind and id, whatever else
    /// they carry).
    pub fn same_conversation(&self, other: &ContactItem) -> bool {
        self.tag() == other.tag() && self.id().is_some() && self.id() == other.id()
    }
}

crate::wire_item! {
    /// A conversation with its groups and marks, as `get_contact_group` (`ContactItem`) and
    /// `search_contact_group` (`ContactResultItem`) answer it.
    ///
    /// `Type` is read leniently (`1` or `"1"`). An item of an unknown kind, or with a field of an
    /// unexpected JSON type, is kept whole as [`ContactResultItem::Unknown`] and never fails the
    /// page.
    #[non_exhaustive]
    pub enum ContactResultItem {
        tag "Type" (lenient);
        /// Any other `Type`, a known one without its id field, or a mistyped field: as received.
        _ => Unknown(UnknownContactResult { kind }),
        /// `Type` 1 with `To_Account`.
        1 => C2c(C2cContactResult { "To_Account" => to_account }),
        /// `Type` 2 with `ToGroupId`.
        2 => Group(GroupContactResult { "ToGroupId" => to_group_id }),
    }
    /// The groups and marks of a conversation.
    pub struct ContactState {
        /// `StandardMark`: the standard marks as a bit string (last character = bit 0); see
        /// [`ContactState::standard_marks`].
        "StandardMark" => pub standard_mark: String,
        /// `CustomMark`.
        "CustomMark" => pub custom_mark: String,
        /// `ContactGroupId`: the ids of the groups the conversation is in.
        "ContactGroupId" => pub contact_group_id: Vec<u64>,
        /// `Timestamp`: the last update of the conversation's groups or marks.
        "Timestamp" => pub timestamp: u64,
    }
}

impl ContactState {
    /// Whether `ContactGroupId` lists `group_id`.
    pub fn in_group(&self, group_id: u64) -> bool {
        self.contact_group_id
            .as_ref()
            .is_some_and(|ids| ids.contains(&group_id))
    }

    /// `StandardMark` parsed as a [`StandardMarks`] set; `None` when absent.
    ///
    /// # Errors
    ///
    /// [`MarkParseError`] when the string is not a bit string of at most 64 bits.
    pub fn standard_marks(&self) -> Option<Result<StandardMarks, MarkParseError>> {
        self.standard_mark.as_deref().map(str::parse)
    }
}

impl ContactResultItem {
    /// The conversation this item is about, without its state.
    pub fn contact(&self) -> Option<ContactItem> {
        match self {
            ContactResultItem::C2c(c) => Some(ContactItem::c2c(&c.to_account)),
            ContactResultItem::Group(g) => Some(ContactItem::group(&g.to_group_id)),
            ContactResultItem::Unknown(_) => None,
        }
    }
}

/// `GroupItem`: a conversation group's name and id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupItem {
    /// `GroupName`.
    #[serde(rename = "GroupName")]
    pub group_name: String,
    /// `GroupId`: the id `ContactGroupId` refers to.
    #[serde(rename = "GroupId")]
    pub group_id: u64,
}

/// The outcome for one conversation inside an `ActionStatus: OK` answer (`ResultItem` of
/// create and mark, `ContactResultItem` of update).
///
/// A `ResultCode` other than 0 means this conversation was **not** changed although the call
/// succeeded: see the responses' `partial_failures()`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactResult {
    /// `OptType` (mark_contact): 1 standard, 2 custom, 3 both.
    #[serde(rename = "OptType", default, skip_serializing_if = "Option::is_none")]
    pub opt_type: Option<u32>,
    /// `ContactOptType` (update_contact_group): 1 added, 2 removed.
    #[serde(
        rename = "ContactOptType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub contact_opt_type: Option<u32>,
    /// `ContactItem`: the conversation (`ContactItem::Unknown` with a `null` raw value when
    /// absent, so that an outcome without it is still reported).
    #[serde(rename = "ContactItem", default = "absent_contact")]
    pub contact: ContactItem,
    /// `ResultCode`: 0 when this conversation was changed (0 when absent).
    #[serde(rename = "ResultCode", default)]
    pub result_code: ErrorCode,
    /// `ResultInfo`: the service's explanation (empty when absent).
    #[serde(rename = "ResultInfo", default)]
    pub result_info: String,
}

impl ContactResult {
    /// Whether this conversation was changed (`ResultCode` 0).
    pub fn is_ok(&self) -> bool {
        self.result_code.is_ok()
    }

    /// This conversation's failure as an [`ApiError`], if it failed.
    pub fn error(&self) -> Option<ApiError> {
        (!self.is_ok()).then(|| ApiError {
            code: self.result_code,
            info: self.result_info.clone(),
            display: None,
        })
    }
}

/// The `ContactItem` of an outcome that has none.
fn absent_contact() -> ContactItem {
    ContactItem::Unknown(UnknownContact {
        kind: None,
        raw: serde_json::Value::Null,
    })
}

/// Reads `null` as an empty vector (the service's `null` for "none").
fn null_as_empty<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

fn failures(results: &[ContactResult]) -> impl Iterator<Item = &ContactResult> {
    results.iter().filter(|r| !r.is_ok())
}

// ---------------------------------------------------------------------------------------------
// create_contact_group

/// `recentcontact/create_contact_group`: create one conversation group with its conversations
/// (`docs/protocol/create_contact_group.md`).
///
/// The service takes one group per call; this type holds exactly one and writes it as the
/// one-element `GroupContactItem` array.
///
/// **Not idempotent**: sending it twice would try to create the group twice. After a failure
/// that may have reached the service, read the groups back before sending again (tim-client's
/// `ContactGroups::create_safely` does).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateContactGroupRequest {
    /// `From_Account`: whose groups.
    pub from_account: String,
    /// `GroupContactItem[0].GroupName`: at most [`MAX_GROUP_NAME_BYTES`] bytes.
    pub group_name: String,
    /// `GroupContactItem[0].ContactItem`: the conversations to put in it.
    pub contacts: Vec<ContactItem>,
}

impl CreateContactGroupRequest {
    /// A request creating `group_name` with `contacts` for `from_account`.
    pub fn new(
        from_account: impl Into<String>,
        group_name: impl Into<String>,
        contacts: Vec<ContactItem>,
    ) -> Self {
        CreateContactGroupRequest {
            from_account: from_account.into(),
            group_name: group_name.into(),
            contacts,
        }
    }
}

impl Serialize for CreateContactGroupRequest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct GroupContactItem<'a> {
            #[serde(rename = "GroupName")]
            group_name: &'a str,
            #[serde(rename = "ContactItem")]
            contacts: &'a [ContactItem],
        }
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("From_Account", &self.from_account)?;
        map.serialize_entry(
            "GroupContactItem",
            &[GroupContactItem {
                group_name: &self.group_name,
                contacts: &self.contacts,
            }],
        )?;
        map.end()
    }
}

impl ApiRequest for CreateContactGroupRequest {
    const PATH: ApiPath = ApiPath::new("recentcontact", "create_contact_group");
    /// Creating: a second attempt would create (or fail to create) the group again.
    const IDEMPOTENCY: Idempotency = Idempotency::NotIdempotent;
    type Response = CreateContactGroupResponse;
}

/// One entry of `GroupResultItem`: the group created and the outcome per conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupResultItem {
    /// `GroupItem`: the group's name and id.
    #[serde(rename = "GroupItem")]
    pub group: GroupItem,
    /// `ResultItem`: one outcome per conversation.
    #[serde(rename = "ResultItem", default, deserialize_with = "null_as_empty")]
    pub results: Vec<ContactResult>,
}

crate::api_response! {
    /// The answer to [`CreateContactGroupRequest`].
    #[derive(Clone, Debug, PartialEq, Eq)]
    #[must_use = "conversations that were not added are reported by partial_failures()"]
    pub struct CreateContactGroupResponse {
        /// `GroupResultItem`: the group created (one entry).
        #[serde(rename = "GroupResultItem", default, deserialize_with = "null_as_empty")]
        pub group_results: Vec<GroupResultItem>,
    }
}

impl CreateContactGroupResponse {
    /// The group created, with its id.
    pub fn group(&self) -> Option<&GroupItem> {
        self.group_results.first().map(|g| &g.group)
    }

    /// Every per-conversation outcome.
    pub fn results(&self) -> impl Iterator<Item = &ContactResult> {
        self.group_results.iter().flat_map(|g| &g.results)
    }

    /// The conversations that were not added (`ResultCode` ≠ 0).
    pub fn partial_failures(&self) -> Vec<&ContactResult> {
        self.results().filter(|r| !r.is_ok()).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// update_contact_group

/// `ContactOptType` of `update_contact_group`: add a conversation to the group or remove it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ContactOp {
    /// 1: add.
    Add,
    /// 2: remove.
    Remove,
}

impl ContactOp {
    /// The wire value.
    pub const fn wire(self) -> u32 {
        match self {
            ContactOp::Add => 1,
            ContactOp::Remove => 2,
        }
    }
}

/// One entry of `ContactUpdateItem`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactUpdate {
    /// `ContactOptType`.
    pub op: ContactOp,
    /// `ContactItem`.
    pub contact: ContactItem,
}

impl Serialize for ContactUpdate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("ContactOptType", &self.op.wire())?;
        map.serialize_entry("ContactItem", &self.contact)?;
        map.end()
    }
}

/// `UpdateType` 1 (the only documented value): change a group.
const UPDATE_TYPE_GROUP: u32 = 1;
/// `UpdateGroupType` 1: rename.
const UPDATE_GROUP_RENAME: u32 = 1;
/// `UpdateGroupType` 2: add and remove conversations.
const UPDATE_GROUP_CONTACTS: u32 = 2;

/// `recentcontact/update_contact_group` with `UpdateGroupType` 2: add conversations to a group
/// and remove others (`docs/protocol/update_contact_group.md`).
///
/// **Idempotent**: adding a conversation that is in the group, or removing one that is not,
/// leaves the group as it is, so a re-sent request ends in the same state (a re-sent add may
/// report a per-conversation code for conversations the first attempt added).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdateContactGroupRequest {
    /// `From_Account`: whose group.
    pub from_account: String,
    /// `UpdateGroup.OldGroupName`: the group to change.
    pub group_name: String,
    /// `UpdateGroup.ContactUpdateItem`: the changes.
    pub changes: Vec<ContactUpdate>,
}

impl UpdateContactGroupRequest {
    /// Adds `contacts` to `group_name`.
    pub fn add(
        from_account: impl Into<String>,
        group_name: impl Into<String>,
        contacts: impl IntoIterator<Item = ContactItem>,
    ) -> Self {
        Self::with_op(from_account, group_name, ContactOp::Add, contacts)
    }

    /// Removes `contacts` from `group_name`.
    pub fn remove(
        from_account: impl Into<String>,
        group_name: impl Into<String>,
        contacts: impl IntoIterator<Item = ContactItem>,
    ) -> Self {
        Self::with_op(from_account, group_name, ContactOp::Remove, contacts)
    }

    fn with_op(
        from_account: impl Into<String>,
        group_name: impl Into<String>,
        op: ContactOp,
        contacts: impl IntoIterator<Item = ContactItem>,
    ) -> Self {
        UpdateContactGroupRequest {
            from_account: from_account.into(),
            group_name: group_name.into(),
            changes: contacts
                .into_iter()
                .map(|contact| ContactUpdate { op, contact })
                .collect(),
        }
    }
}

impl Serialize for UpdateContactGroupRequest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct UpdateGroup<'a> {
            #[serde(rename = "UpdateGroupType")]
            update_group_type: u32,
            #[serde(rename = "OldGroupName")]
            old_group_name: &'a str,
            #[serde(rename = "ContactUpdateItem")]
            changes: &'a [ContactUpdate],
        }
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("From_Account", &self.from_account)?;
        map.serialize_entry("UpdateType", &UPDATE_TYPE_GROUP)?;
        map.serialize_entry(
            "UpdateGroup",
            &UpdateGroup {
                update_group_type: UPDATE_GROUP_CONTACTS,
                old_group_name: &self.group_name,
                changes: &self.changes,
            },
        )?;
        map.end()
    }
}

impl ApiRequest for UpdateContactGroupRequest {
    const PATH: ApiPath = ApiPath::new("recentcontact", "update_contact_group");
    /// Adding a member twice or removing an absent one leaves the same group.
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;
    type Response = UpdateContactGroupResponse;
}

/// `recentcontact/update_contact_group` with `UpdateGroupType` 1: rename a group
/// (`docs/protocol/update_contact_group.md`).
///
/// **Not idempotent**, although it does no work twice: after a rename went through, the old name
/// is gone, so a re-sent one would report a failure for a rename that happened (or, if another
/// group took the old name meanwhile, rename that one). After an ambiguous failure, read the
/// groups back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenameContactGroupRequest {
    /// `From_Account`: whose group.
    pub from_account: String,
    /// `UpdateGroup.OldGroupName`.
    pub old_group_name: String,
    /// `UpdateGroup.NewGroupName`: at most [`MAX_GROUP_NAME_BYTES`] bytes.
    pub new_group_name: String,
}

impl RenameContactGroupRequest {
    /// Renames `old` to `new`.
    pub fn new(
        from_account: impl Into<String>,
        old: impl Into<String>,
        new: impl Into<String>,
    ) -> Self {
        RenameContactGroupRequest {
            from_account: from_account.into(),
            old_group_name: old.into(),
            new_group_name: new.into(),
        }
    }
}

impl Serialize for RenameContactGroupRequest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct UpdateGroup<'a> {
            #[serde(rename = "UpdateGroupType")]
            update_group_type: u32,
            #[serde(rename = "OldGroupName")]
            old_group_name: &'a str,
            #[serde(rename = "NewGroupName")]
            new_group_name: &'a str,
        }
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("From_Account", &self.from_account)?;
        map.serialize_entry("UpdateType", &UPDATE_TYPE_GROUP)?;
        map.serialize_entry(
            "UpdateGroup",
            &UpdateGroup {
                update_group_type: UPDATE_GROUP_RENAME,
                old_group_name: &self.old_group_name,
                new_group_name: &self.new_group_name,
            },
        )?;
        map.end()
    }
}

impl ApiRequest for RenameContactGroupRequest {
    const PATH: ApiPath = ApiPath::new("recentcontact", "update_contact_group");
    /// A retry after a success would fail (the old name is gone) or rename another group.
    const IDEMPOTENCY: Idempotency = Idempotency::NotIdempotent;
    type Response = UpdateContactGroupResponse;
}

/// `UpdateGroupResult` of `update_contact_group`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateGroupResult {
    /// `UpdateGroupType`: 1 rename, 2 conversations changed.
    #[serde(rename = "UpdateGroupType", default)]
    pub update_group_type: Option<u32>,
    /// `GroupName`: the group's (new) name.
    #[serde(rename = "GroupName", default)]
    pub group_name: Option<String>,
    /// `GroupId`.
    #[serde(rename = "GroupId", default)]
    pub group_id: Option<u64>,
    /// `OldGroupName`.
    #[serde(rename = "OldGroupName", default)]
    pub old_group_name: Option<String>,
    /// `ContactResultItem`: one outcome per conversation changed.
    #[serde(
        rename = "ContactResultItem",
        default,
        deserialize_with = "null_as_empty"
    )]
    pub results: Vec<ContactResult>,
}

crate::api_response! {
    /// The answer to [`UpdateContactGroupRequest`] and [`RenameContactGroupRequest`].
    #[derive(Clone, Debug, PartialEq, Eq)]
    #[must_use = "conversations that were not changed are reported by partial_failures()"]
    pub struct UpdateContactGroupResponse {
        /// `UpdateType`.
        #[serde(rename = "UpdateType", default)]
        pub update_type: Option<u32>,
        /// `UpdateGroupResult`.
        #[serde(rename = "UpdateGroupResult", default)]
        pub result: Option<UpdateGroupResult>,
    }
}

impl UpdateContactGroupResponse {
    /// Every per-conversation outcome.
    pub fn results(&self) -> &[ContactResult] {
        self.result.as_ref().map_or(&[], |r| &r.results)
    }

    /// The conversations that were not changed (`ResultCode` ≠ 0).
    pub fn partial_failures(&self) -> Vec<&ContactResult> {
        failures(self.results()).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// del_contact_group

/// `recentcontact/del_contact_group`: delete one conversation group
/// (`docs/protocol/del_contact_group.md`). Written as the one-element `GroupName` array the
/// service takes.
///
/// **Idempotent**: once the group is gone, deleting it again changes nothing; the service then
/// answers 51009 ([`ErrorCode::CONTACT_GROUP_NOT_FOUND`]), which a retrying caller reads as
/// "already deleted" (tim-client's `ContactGroups::delete` does).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DelContactGroupRequest {
    /// `From_Account`: whose group.
    pub from_account: String,
    /// `GroupName[0]`.
    pub group_name: String,
}

impl DelContactGroupRequest {
    /// Deletes `group_name` of `from_account`.
    pub fn new(from_account: impl Into<String>, group_name: impl Into<String>) -> Self {
        DelContactGroupRequest {
            from_account: from_account.into(),
            group_name: group_name.into(),
        }
    }
}

impl Serialize for DelContactGroupRequest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("From_Account", &self.from_account)?;
        map.serialize_entry("GroupName", &[&self.group_name])?;
        map.end()
    }
}

impl ApiRequest for DelContactGroupRequest {
    const PATH: ApiPath = ApiPath::new("recentcontact", "del_contact_group");
    /// Deleting a group that is gone leaves it gone.
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;
    type Response = DelContactGroupResponse;
}

crate::api_response! {
    /// The answer to [`DelContactGroupRequest`].
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct DelContactGroupResponse {
        /// `GroupItem`: the group deleted.
        #[serde(rename = "GroupItem", default, deserialize_with = "null_as_empty")]
        pub groups: Vec<GroupItem>,
    }
}

// ---------------------------------------------------------------------------------------------
// get_contact_group

/// `recentcontact/get_contact_group`: one page of an account's conversation groups and of the
/// conversations in groups or with marks (`docs/protocol/get_contact_group.md`).
///
/// Paged by `StartIndex` (0 first, then the previous `NextStartIndex`) through the generic
/// [`Pager`](crate::pager::Pager); its cursor is [`ContactGroupCursor`] (`cg1.<StartIndex>`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetContactGroupRequest {
    /// `From_Account`: whose groups.
    #[serde(rename = "From_Account")]
    pub from_account: String,
    /// `StartIndex`.
    #[serde(rename = "StartIndex")]
    pub start_index: u64,
}

impl GetContactGroupRequest {
    /// The request for the first page.
    pub fn first(from_account: impl Into<String>) -> Self {
        GetContactGroupRequest {
            from_account: from_account.into(),
            start_index: 0,
        }
    }
}

impl ApiRequest for GetContactGroupRequest {
    const PATH: ApiPath = ApiPath::new("recentcontact", "get_contact_group");
    /// A read.
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;
    type Response = GetContactGroupResponse;
}

crate::api_response! {
    /// The answer to [`GetContactGroupRequest`].
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct GetContactGroupResponse {
        /// `GroupItem`: the account's groups (as this page gives them).
        #[serde(rename = "GroupItem", default, deserialize_with = "null_as_empty")]
        pub groups: Vec<GroupItem>,
        /// `CompleteFlag`: 1 at the end, 0 when there is more.
        #[serde(rename = "CompleteFlag")]
        pub complete_flag: u32,
        /// `NextStartIndex`: the `StartIndex` of the next page.
        #[serde(rename = "NextStartIndex", default, skip_serializing_if = "Option::is_none")]
        pub next_start_index: Option<u64>,
    }
    /// `ContactItem`: the conversations of this page with their groups and marks.
    items "ContactItem" => pub contacts: Vec<ContactResultItem>;
}

/// One entry of a walk of `get_contact_group`: a page's groups come first, then its
/// conversations.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContactGroupEntry {
    /// An entry of `GroupItem`.
    Group(GroupItem),
    /// An entry of `ContactItem`.
    Contact(ContactResultItem),
}

/// Where a walk of `get_contact_group` stands: its `StartIndex`, text form `cg1.<StartIndex>`.
///
/// ```
/// use tim_proto::contact_group::ContactGroupCursor;
///
/// let c: ContactGroupCursor = "cg1.42".parse()?;
/// assert_eq!(c, ContactGroupCursor(42));
/// assert_eq!(ContactGroupCursor::START.to_string(), "cg1.0");
/// # Ok::<(), tim_proto::pager::CursorParseError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct ContactGroupCursor(pub u64);

impl ContactGroupCursor {
    /// The first page.
    pub const START: ContactGroupCursor = ContactGroupCursor(0);
    const VERSION: &'static str = "cg1";
    const FORM: &'static str = "cg1.<StartIndex>";
}

impl fmt::Display for ContactGroupCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&pager::cursor_text(Self::VERSION, &[self.0]))
    }
}

impl FromStr for ContactGroupCursor {
    type Err = CursorParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let [start] = pager::parse_cursor_text(s, Self::VERSION, Self::FORM)?;
        Ok(ContactGroupCursor(start))
    }
}

impl PagedRequest for GetContactGroupRequest {
    type Cursor = ContactGroupCursor;
    type Item = ContactGroupEntry;

    fn cursor(&self) -> ContactGroupCursor {
        ContactGroupCursor(self.start_index)
    }

    fn set_cursor(&mut self, cursor: &ContactGroupCursor) {
        self.start_index = cursor.0;
    }

    fn into_page(
        response: GetContactGroupResponse,
    ) -> Result<pager::PageParts<ContactGroupEntry, ContactGroupCursor>, PageError> {
        let next = pager::complete_flag_step(
            response.complete_flag,
            response.next_start_index.map(ContactGroupCursor),
        )?;
        let items = response
            .groups
            .into_iter()
            .map(ContactGroupEntry::Group)
            .chain(
                response
                    .contacts
                    .into_iter()
                    .map(ContactGroupEntry::Contact),
            )
            .collect();
        Ok((items, next))
    }
}

// ---------------------------------------------------------------------------------------------
// search_contact_group

/// `recentcontact/search_contact_group`: the groups and marks of given conversations
/// (`docs/protocol/search_contact_group.md`). At most [`MAX_SEARCH_ITEMS`] per call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchContactGroupRequest {
    /// `From_Account`: whose groups.
    #[serde(rename = "From_Account")]
    pub from_account: String,
    /// `ContactItem`: the conversations to look up.
    #[serde(rename = "ContactItem")]
    pub contacts: Vec<ContactItem>,
}

impl ApiRequest for SearchContactGroupRequest {
    const PATH: ApiPath = ApiPath::new("recentcontact", "search_contact_group");
    /// A read.
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;
    type Response = SearchContactGroupResponse;
}

crate::api_response! {
    /// The answer to [`SearchContactGroupRequest`].
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct SearchContactGroupResponse {
        /// `GroupItem`: the groups the conversations are in.
        #[serde(rename = "GroupItem", default, deserialize_with = "null_as_empty")]
        pub groups: Vec<GroupItem>,
    }
    /// `ContactResultItem`: the conversations with their groups and marks.
    items "ContactResultItem" => pub contacts: Vec<ContactResultItem>;
}

// ---------------------------------------------------------------------------------------------
// mark_contact

/// A set of standard-mark bits (0–63), as `SetMark` and `ClearMark` carry them (arrays of bit
/// indices) and as `StandardMark` reports them (a bit string).
///
/// **Bit order (decided; the pages do not say):** the bit string is a binary numeral, so the
/// **last character is bit 0** and character *i* from the right is bit *i*: `"11111110"` is
/// bits 1–7. Why: the sample `"11111110"` reads naturally as a binary number, the client SDKs
/// give marks as `1 << n` values, and with this order the string's numeric value *is* the SDK's
/// mark value (`u64::from_str_radix(s, 2)`). `Display` writes the shortest numeral (`"0"` when
/// empty); `FromStr` accepts leading zeros.
///
/// ```
/// use tim_proto::contact_group::StandardMarks;
///
/// let marks: StandardMarks = "11111110".parse()?;
/// assert!(!marks.contains(0) && marks.contains(1) && marks.contains(7));
/// assert_eq!(marks.indices().collect::<Vec<_>>(), [1, 2, 3, 4, 5, 6, 7]);
/// let mut m = StandardMarks::EMPTY;
/// m.set(3)?;
/// assert_eq!((m.bits(), m.to_string()), (8, "1000".to_owned()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct StandardMarks(u64);

/// A mark bit index outside 0–63.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("mark bit {0} is outside 0..=63")]
pub struct MarkBitError(pub u64);

/// A `StandardMark` string that is not a bit string of at most 64 bits.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid StandardMark {text:?}: expected at most 64 characters of 0 and 1")]
pub struct MarkParseError {
    text: String,
}

impl StandardMarks {
    /// No bit.
    pub const EMPTY: StandardMarks = StandardMarks(0);
    /// The highest bit index.
    pub const MAX_BIT: u32 = 63;

    /// The set whose bit *i* is bit *i* of `bits`.
    pub const fn from_bits(bits: u64) -> Self {
        StandardMarks(bits)
    }

    /// The bits as a number (bit *i* = mark *i*): the client SDKs' mark value.
    pub const fn bits(self) -> u64 {
        self.0
    }

    /// The set of one bit.
    ///
    /// # Errors
    ///
    /// [`MarkBitError`] beyond bit 63.
    pub fn bit(index: u32) -> Result<Self, MarkBitError> {
        if index > Self::MAX_BIT {
            return Err(MarkBitError(index.into()));
        }
        Ok(StandardMarks(1 << index))
    }

    /// The set of the given bit indices.
    ///
    /// # Errors
    ///
    /// [`MarkBitError`] for the first index beyond 63.
    pub fn from_indices(indices: impl IntoIterator<Item = u32>) -> Result<Self, MarkBitError> {
        indices
            .into_iter()
            .try_fold(Self::EMPTY, |acc, i| Ok(acc.union(Self::bit(i)?)))
    }

    /// Sets bit `index`.
    ///
    /// # Errors
    ///
    /// [`MarkBitError`] beyond bit 63 (the set is unchanged).
    pub fn set(&mut self, index: u32) -> Result<(), MarkBitError> {
        *self = self.union(Self::bit(index)?);
        Ok(())
    }

    /// Clears bit `index`.
    ///
    /// # Errors
    ///
    /// [`MarkBitError`] beyond bit 63 (the set is unchanged).
    pub fn clear(&mut self, index: u32) -> Result<(), MarkBitError> {
        *self = self.difference(Self::bit(index)?);
        Ok(())
    }

    /// Whether bit `index` is set (`false` beyond 63).
    pub fn contains(self, index: u32) -> bool {
        index <= Self::MAX_BIT && self.0 & (1 << index) != 0
    }

    /// Whether no bit is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The bits of either.
    #[must_use]
    pub const fn union(self, other: Self) -> Self {
        StandardMarks(self.0 | other.0)
    }

    /// The bits of `self` that are not in `other`.
    #[must_use]
    pub const fn difference(self, other: Self) -> Self {
        StandardMarks(self.0 & !other.0)
    }

    /// The set after a `mark_contact` item with these `SetMark` and `ClearMark` sets. A bit in
    /// both is cleared (tim's reading; the pages do not say which wins).
    #[must_use]
    pub const fn apply(self, set: Self, clear: Self) -> Self {
        self.union(set).difference(clear)
    }

    /// The set bit indices, ascending.
    pub fn indices(self) -> impl Iterator<Item = u32> {
        (0..=Self::MAX_BIT).filter(move |&i| self.contains(i))
    }
}

impl fmt::Debug for StandardMarks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StandardMarks({:b})", self.0)
    }
}

impl fmt::Display for StandardMarks {
    /// The bit string (last character = bit 0), shortest form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:b}", self.0)
    }
}

impl FromStr for StandardMarks {
    type Err = MarkParseError;

    /// A bit string, last character = bit 0: at most 64 characters of `0` and `1`, leading zeros
    /// allowed (an empty string is no bit).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || MarkParseError {
            text: s.chars().take(80).collect(),
        };
        let digits = s.trim_start_matches('0');
        if digits.len() > 64 || !s.bytes().all(|b| b == b'0' || b == b'1') {
            return Err(bad());
        }
        if digits.is_empty() {
            return Ok(Self::EMPTY);
        }
        u64::from_str_radix(digits, 2)
            .map(StandardMarks)
            .map_err(|_| bad())
    }
}

impl Serialize for StandardMarks {
    /// The bit indices, ascending: the form of `SetMark` and `ClearMark`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.indices())
    }
}

impl<'de> Deserialize<'de> for StandardMarks {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let indices = Vec::<u32>::deserialize(d)?;
        Self::from_indices(indices).map_err(serde::de::Error::custom)
    }
}

/// `OptType` of `mark_contact`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MarkOp {
    /// 1: standard marks only.
    Standard,
    /// 2: the custom mark only.
    Custom,
    /// 3: both.
    Both,
}

impl MarkOp {
    /// The wire value.
    pub const fn wire(self) -> u32 {
        match self {
            MarkOp::Standard => 1,
            MarkOp::Custom => 2,
            MarkOp::Both => 3,
        }
    }
}

/// One entry of `MarkItem`: the marks to set and clear on one conversation, and its custom mark.
///
/// Its `OptType` follows from what it changes ([`MarkItem::op`]): standard bits only (1), the
/// custom mark only (2), both (3).
///
/// ```
/// use tim_proto::contact_group::{ContactItem, MarkItem, MarkOp, StandardMarks};
///
/// let item = MarkItem::new(ContactItem::c2c("user1"))
///     .set(StandardMarks::from_indices([1, 2, 3])?)
///     .custom("abcd");
/// assert_eq!(item.op(), MarkOp::Both);
/// assert_eq!(
///     serde_json::to_string(&item)?,
///     r#"{"OptType":3,"ContactItem":{"Type":1,"To_Account":"user1"},"SetMark":[1,2,3],"CustomMark":"abcd"}"#
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarkItem {
    /// `ContactItem`.
    pub contact: ContactItem,
    /// `SetMark`: the bits to set (omitted when empty).
    pub set: StandardMarks,
    /// `ClearMark`: the bits to clear (omitted when empty).
    pub clear: StandardMarks,
    /// `CustomMark`: the new custom mark (`Some("")` clears it); `None` leaves it.
    pub custom: Option<String>,
}

impl MarkItem {
    /// An item for `contact` that changes nothing yet.
    pub fn new(contact: ContactItem) -> Self {
        MarkItem {
            contact,
            set: StandardMarks::EMPTY,
            clear: StandardMarks::EMPTY,
            custom: None,
        }
    }

    /// Also sets these bits.
    #[must_use]
    pub fn set(mut self, bits: StandardMarks) -> Self {
        self.set = self.set.union(bits);
        self
    }

    /// Also clears these bits.
    #[must_use]
    pub fn clear(mut self, bits: StandardMarks) -> Self {
        self.clear = self.clear.union(bits);
        self
    }

    /// Sets the custom mark (`""` clears it).
    #[must_use]
    pub fn custom(mut self, mark: impl Into<String>) -> Self {
        self.custom = Some(mark.into());
        self
    }

    /// `OptType`: [`MarkOp::Custom`] when only the custom mark changes, [`MarkOp::Both`] when it
    /// and standard bits change, [`MarkOp::Standard`] otherwise (an item that changes nothing is
    /// sent as `OptType` 1 with no bits).
    pub fn op(&self) -> MarkOp {
        let standard = !self.set.is_empty() || !self.clear.is_empty();
        match (standard, self.custom.is_some()) {
            (true, true) => MarkOp::Both,
            (false, true) => MarkOp::Custom,
            _ => MarkOp::Standard,
        }
    }
}

impl Serialize for MarkItem {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let op = self.op();
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("OptType", &op.wire())?;
        map.serialize_entry("ContactItem", &self.contact)?;
        if op != MarkOp::Custom {
            if !self.set.is_empty() {
                map.serialize_entry("SetMark", &self.set)?;
            }
            if !self.clear.is_empty() {
                map.serialize_entry("ClearMark", &self.clear)?;
            }
        }
        if let Some(custom) = &self.custom {
            map.serialize_entry("CustomMark", custom)?;
        }
        map.end()
    }
}

/// `recentcontact/mark_contact`: set and clear standard marks and set custom marks of up to
/// [`MAX_MARK_ITEMS`] conversations (`docs/protocol/mark_contact.md`).
///
/// **Idempotent**: setting a bit that is set, clearing one that is clear, and setting the custom
/// mark to a value are absolute, so a re-sent request ends in the same marks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MarkContactRequest {
    /// `From_Account`: whose conversations.
    #[serde(rename = "From_Account")]
    pub from_account: String,
    /// `MarkItem`: 1 to [`MAX_MARK_ITEMS`] items (51006 otherwise).
    #[serde(rename = "MarkItem")]
    pub items: Vec<MarkItem>,
}

impl ApiRequest for MarkContactRequest {
    const PATH: ApiPath = ApiPath::new("recentcontact", "mark_contact");
    /// Sets bits and values to absolute states.
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;
    type Response = MarkContactResponse;
}

crate::api_response! {
    /// The answer to [`MarkContactRequest`]: one outcome per item (the response shape is from a
    /// peer SDK, not the official page: `docs/protocol/mark_contact.md`).
    #[derive(Clone, Debug, PartialEq, Eq)]
    #[must_use = "conversations whose marks did not change are reported by partial_failures()"]
    pub struct MarkContactResponse {
        /// `ResultItem`: one outcome per item.
        #[serde(rename = "ResultItem", default, deserialize_with = "null_as_empty")]
        pub results: Vec<ContactResult>,
    }
}

impl MarkContactResponse {
    /// The conversations whose marks did not change (`ResultCode` ≠ 0).
    pub fn partial_failures(&self) -> Vec<&ContactResult> {
        failures(&self.results).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ApiResponse;

    #[test]
    fn bit_strings_read_right_to_left() {
        let m: StandardMarks = "0110".parse().expect("bits");
        assert_eq!(m.indices().collect::<Vec<_>>(), [1, 2]);
        assert_eq!(m.to_string(), "110");
        assert_eq!("".parse::<StandardMarks>(), Ok(StandardMarks::EMPTY));
        assert_eq!(StandardMarks::EMPTY.to_string(), "0");
        assert!("12".parse::<StandardMarks>().is_err());
        assert!("1".repeat(65).parse::<StandardMarks>().is_err());
        assert_eq!(
            "1".repeat(64).parse::<StandardMarks>(),
            Ok(StandardMarks::from_bits(u64::MAX))
        );
        assert_eq!(StandardMarks::bit(64), Err(MarkBitError(64)));
        assert!(!StandardMarks::from_bits(u64::MAX).contains(64));
    }

    #[test]
    fn contact_items_are_read_leniently_and_kept_when_unknown() {
        let c: ContactItem = serde_json::from_str(r#"{"Type":"1","To_Account":"a"}"#).expect("ok");
        assert_eq!(c, ContactItem::c2c("a"));
        let odd: ContactItem = serde_json::from_str(r#"{"Type":2,"GroupId":"g"}"#).expect("ok");
        assert!(matches!(&odd, ContactItem::Unknown(u) if u.kind == Some(2)));
        assert_eq!(odd.id(), None);
        assert!(ContactItem::group("g").same_conversation(&ContactItem::group("g")));
        assert!(!ContactItem::group("g").same_conversation(&ContactItem::c2c("g")));
    }

    #[test]
    fn partial_failures_are_reported() {
        let body = r#"{"ResultItem":[{"OptType":1,"ContactItem":{"Type":1,"To_Account":"a"},"ResultCode":0,"ResultInfo":""},{"OptType":1,"ContactItem":{"Type":2,"ToGroupId":"g"},"ResultCode":51007,"ResultInfo":"dismissed"}],"ActionStatus":"OK","ErrorCode":0}"#;
        let r = MarkContactResponse::decode_body(body.as_bytes()).expect("decodes");
        assert!(r.error().is_none());
        let failed = r.partial_failures();
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].contact, ContactItem::group("g"));
        assert_eq!(
            failed[0].error().map(|e| e.code),
            Some(ErrorCode::GROUP_CODE_LOOKUP_FAILED)
        );
    }

    #[test]
    fn an_outcome_without_its_contact_item_is_still_reported() {
        let body = r#"{"ResultItem":[{"OptType":2,"ResultCode":51008,"ResultInfo":"x"}],"ActionStatus":"OK","ErrorCode":0}"#;
        let r = MarkContactResponse::decode_body(body.as_bytes()).expect("decodes");
        assert_eq!(r.partial_failures().len(), 1);
        assert_eq!(r.partial_failures()[0].contact.id(), None);
    }

    #[test]
    fn get_contact_group_pages_groups_then_contacts() {
        let body = r#"{"ContactItem":[{"Type":1,"To_Account":"a","StandardMark":"10","ContactGroupId":[2],"Timestamp":5}],"GroupItem":[{"GroupName":"g","GroupId":2}],"CompleteFlag":0,"NextStartIndex":7,"ActionStatus":"OK","ErrorCode":0}"#;
        let r = GetContactGroupResponse::decode_body(body.as_bytes()).expect("decodes");
        let (items, next) = GetContactGroupRequest::into_page(r).expect("a page");
        assert_eq!(next, Some(ContactGroupCursor(7)));
        assert!(matches!(&items[0], ContactGroupEntry::Group(g) if g.group_id == 2));
        let ContactGroupEntry::Contact(ContactResultItem::C2c(c)) = &items[1] else {
            panic!("{items:?}")
        };
        assert_eq!(
            c.meta.standard_marks(),
            Some(Ok(StandardMarks::from_bits(2)))
        );
    }
}
